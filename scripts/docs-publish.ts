// npm run docs:publish -- --site build/docs --version X.Y.Z --tree <dir>
// Puts one version's docs site into a docs tree (e.g. a gh-pages worktree):
// <tree>/vX.Y.Z/, <tree>/latest/ (when X.Y.Z is the newest stable version),
// and <tree>/versions.json, newest first. The release workflow calls this.
// The layout and the versions contract are the plugin's (@acme/protoc-gen-doc/site,
// beside the browser script that reads them): this is its command line.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { addVersionToDocsTree } from "@acme/protoc-gen-doc/site";
import { runIfEntryPoint } from "./lib/infra/entry.js";

function main(): number {
  const { values } = parseArgs({
    options: { site: { type: "string" }, version: { type: "string" }, tree: { type: "string" } },
  });
  const missing = (["site", "version", "tree"] as const).filter((k) => !values[k]);
  if (missing.length) {
    throw new Error(
      `missing ${missing.map((m) => `--${m}`).join(", ")}; usage: npm run docs:publish -- --site build/docs --version 1.2.3 --tree ../gh-pages`,
    );
  }
  const r = addVersionToDocsTree({
    site: resolve(values.site!),
    version: values.version!,
    tree: resolve(values.tree!),
  });
  const v = values.version!.replace(/^v/, "");
  console.log(
    `docs:publish: wrote ${values.tree}/v${v}/${r.updatedLatest ? ` and ${values.tree}/latest/` : ""}; versions: ${r.versions.map((x) => x.version + (x.latest ? " (latest)" : "")).join(", ")}`,
  );
  return 0;
}

runIfEntryPoint(import.meta.url, "docs:publish", main);

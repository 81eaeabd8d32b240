// npm run docs [-- --version X.Y.Z]: builds the API docs site into build/docs/
// with our protoc-gen-doc (buf.gen.docs.yaml): one page per proto package,
// search, install snippets, and docs.json (protoc-gen-doc's JSON model).
// The version shown comes from --version, else $DOCS_VERSION, else the root
// package.json. npm run build passes --image (the buf image it compiled once):
// the plugin reads it, an unchanged site is not rebuilt, and after a change
// only the package pages it can alter are rendered (scripts/lib/docs/docs-pages.ts).
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { buildDocs } from "./lib/docs/docs-build.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";
import { repoRoot } from "./lib/infra/repo.js";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { version: { type: "string" }, image: { type: "string" } } });
  const version =
    values.version ??
    process.env.DOCS_VERSION ??
    (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
  const r = await buildDocs({ version, image: values.image });
  if (r.upToDate) {
    console.log(`docs: ${relative(repoRoot, r.outDir)}/ is up to date (same schema, plugin and version)`);
    return 0;
  }
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  if (r.pages)
    console.log(
      `docs: ${r.pages.rendered} of ${r.pages.total} package pages rendered${r.pages.full ? ` (all: ${r.pages.full})` : ", the rest kept"}; index, search and docs.json rendered whole`,
    );
  console.log(
    `docs: built ${relative(repoRoot, r.outDir)}/ for version ${version}: ${r.files} files, largest page ${r.largestPage.path} (${kb(r.largestPage.bytes)}), ${(r.ms / 1000).toFixed(1)} s`,
  );
  console.log(`docs: open ${relative(repoRoot, join(r.outDir, "index.html"))} or run: npm run docs:serve`);
  return 0;
}

runIfEntryPoint(import.meta.url, "docs", main);

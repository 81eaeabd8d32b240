// npm run release:recover -- vX.Y.Z [--dist-tag <tag>] [--no-build] [--docs] [--remote <name|url>]
// Finishes the npm side of an existing release tag by hand (recover-release.ts):
// publishes only what the registry lacks, under the dist-tag policy of
// dist-tags.ts unless --dist-tag names one, and with --docs the tag's docs too.
import { parseArgs } from "node:util";
import { runIfEntryPoint } from "../lib/infra/entry.js";
import { recoverRelease } from "./recover-release.js";

const USAGE = "usage: npm run release:recover -- vX.Y.Z [--dist-tag <tag>] [--no-build] [--docs] [--remote <name|url>]";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "dist-tag": { type: "string" },
      "no-build": { type: "boolean", default: false },
      docs: { type: "boolean", default: false },
      remote: { type: "string", default: "origin" },
    },
  });
  if (positionals.length !== 1) throw new Error(USAGE);
  const remote = values.remote ?? "origin";
  const r = await recoverRelease({
    tag: positionals[0],
    cwd: process.cwd(),
    env: process.env,
    distTag: values["dist-tag"],
    build: !values["no-build"],
    docsRemote: values.docs ? remote : undefined,
    remote,
  });
  const republished = r.republished.length ? `, ${r.republished.length} republished (listed but not downloadable)` : "";
  console.log(
    `recover: ${r.version}: ${r.published.length} published${republished}, ${r.skipped.length} already there with the same content and downloadable (dist-tag ${r.distTag})`,
  );
  return 0;
}

runIfEntryPoint(import.meta.url, "release:recover", main);

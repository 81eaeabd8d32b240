// npm run check:generated: regenerates into a temporary directory and fails,
// naming each file, when gen/ or the generated package files differ from
// what proto/ produces now.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { diffTrees, generateInto, pendingPackageFiles } from "./lib/codegen.js";
import { siblingTempDir } from "./lib/fs-atomic.js";
import { repoRoot } from "./lib/repo.js";

export async function checkGenerated(root = repoRoot): Promise<string[]> {
  const tmp = siblingTempDir(join(root, ".check-generated"));
  try {
    const fresh = await generateInto(tmp, root);
    const d = diffTrees(fresh, join(root, "gen"));
    return [
      ...d.stale.map((f) => `gen/${f}: stale`),
      ...d.missing.map((f) => `gen/${f}: missing`),
      ...d.extra.map((f) => `gen/${f}: not generated from any proto (left over)`),
      ...pendingPackageFiles(root).map((c) => `${c.path}: ${c.created ? "missing" : "stale"}`),
    ];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  checkGenerated().then(
    (problems) => {
      if (problems.length === 0) {
        console.log("check:generated: gen/ and packages/ are up to date");
        return;
      }
      for (const p of problems) console.log(p);
      console.error(`\ncheck:generated: ${problems.length} generated file(s) out of date. Run \`npm run generate\` and commit the result.`);
      process.exit(1);
    },
    (err: Error) => {
      console.error(`check:generated: ${err.message}`);
      process.exit(2);
    },
  );
}

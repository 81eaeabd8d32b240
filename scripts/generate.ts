// npm run generate: rewrites gen/ from proto/ (atomically) and syncs the
// workspace package of every proto family under packages/.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { generateInto, pruneOrphanPackages, syncPackageFiles } from "./lib/codegen/codegen.js";
import { npmCommand, run } from "./lib/infra/exec.js";
import { replaceDirAtomic, siblingTempDir } from "./lib/infra/fs-atomic.js";
import { repoRoot } from "./lib/infra/repo.js";

export async function generate(root = repoRoot): Promise<void> {
  const tmp = siblingTempDir(join(root, "gen"));
  try {
    const fresh = await generateInto(tmp, root);
    replaceDirAtomic(fresh, join(root, "gen"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const removed = pruneOrphanPackages(root);
  const changes = syncPackageFiles(root);
  for (const dir of removed) console.log(`removed ${dir} (its proto package is gone)`);
  for (const c of changes) console.log(`${c.created ? "created" : "updated"} ${c.path}`);
  if (removed.length || changes.some((c) => c.created && c.path.endsWith("package.json"))) {
    // A new or removed workspace must be recorded in package-lock.json, or `npm ci` refuses to install.
    console.log("workspace set changed: updating package-lock.json");
    const npm = npmCommand();
    const r = await run(
      npm.cmd,
      [...npm.prefix, "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"],
      { cwd: root },
    );
    if (r.code !== 0) throw new Error(`npm install --package-lock-only failed:\n${r.stderr}`);
    console.log("run `npm install` to link the new workspace into node_modules");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  generate().catch((err: Error) => {
    console.error(`generate: ${err.message}`);
    process.exit(1);
  });
}

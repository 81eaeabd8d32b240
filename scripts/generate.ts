// npm run generate [-- --image <file>]: brings gen/ up to date with proto/
// (incrementally, swapped in whole: scripts/lib/codegen/gen-incremental.ts) and syncs
// the workspace package of every proto family under packages/. npm run build
// passes the buf image it compiled once; alone, it takes the working tree's
// image (scripts/lib/schema/image-registry.ts: compiled once per content of proto/).
import { describeImportCycles, pruneOrphanPackages, syncPackageFiles } from "./lib/codegen/codegen.js";
import { generateFromImage } from "./lib/codegen/gen-incremental.js";
import { npmCommand, run } from "./lib/infra/exec.js";
import { repoRoot } from "./lib/infra/repo.js";
import { imageArg } from "./lib/schema/buf-image.js";
import { readSchemaImage, workingTreeImage } from "./lib/schema/image-registry.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

/** The working tree's image, compiled unless proto/ is as it was at the last compile. */
async function compiledImage(root: string): Promise<string> {
  try {
    return await workingTreeImage(root);
  } catch (err) {
    // buf names only the file where it noticed the cycle; name every file of it, with the import lines.
    const cycles = /cyclic import/.test((err as Error).message) ? describeImportCycles(root) : [];
    if (cycles.length) (err as Error).message += `\n${cycles.join("\n")}`;
    throw err;
  }
}

export async function generate(root = repoRoot, image = imageArg()): Promise<void> {
  const imagePath = image ?? (await compiledImage(root));
  const schema = readSchemaImage(imagePath);
  await generateFromImage(imagePath, root, console.log, schema);
  const removed = pruneOrphanPackages(schema, root);
  const changes = syncPackageFiles(schema, root);
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

runIfEntryPoint(import.meta.url, "generate", async () => {
  await generate();
  return 0;
});

// npm run build:packages: compiles every workspace package to ESM + CommonJS
// + .d.ts (dist/), in dependency order. Each package's generated code comes
// from gen/ through its package.json "entryPoints"; dist/ is swapped in
// atomically, so a failed build leaves the previous one intact.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "tsup";
import { replaceDirAtomic, siblingTempDir } from "./lib/fs-atomic.js";
import { buildEntries, type PackageJson } from "./lib/package-plan.js";
import { repoRoot } from "./lib/repo.js";
import { listWorkspacePackages } from "./lib/workspaces.js";

export async function buildPackage(dir: string, pj: PackageJson): Promise<void> {
  const entries = buildEntries(pj.entryPoints ?? {});
  if (Object.keys(entries).length === 0) return;
  const outDir = siblingTempDir(join(dir, "dist"));
  try {
    await build({
      entry: Object.fromEntries(Object.entries(entries).map(([n, src]) => [n, join(dir, src)])),
      outDir,
      format: ["esm", "cjs"],
      dts: { compilerOptions: { composite: false } },
      tsconfig: join(repoRoot, "tsconfig.base.json"),
      splitting: true,
      sourcemap: false,
      clean: false,
      target: "es2022",
      silent: true,
      // Every dependency stays an import; only this package's own sources and gen/ are bundled.
      external: [
        ...Object.keys((pj.dependencies as Record<string, string>) ?? {}),
        ...Object.keys((pj.peerDependencies as Record<string, string>) ?? {}),
        /^node:/,
      ],
      outExtension: ({ format }) => ({ js: format === "cjs" ? ".cjs" : ".js" }),
    });
    replaceDirAtomic(outDir, join(dir, "dist"));
  } catch (err) {
    rmSync(outDir, { recursive: true, force: true });
    throw err;
  }
}

export async function buildPackages(root = repoRoot, only?: string[]): Promise<void> {
  for (const ws of listWorkspacePackages(root)) {
    if (only && !only.includes(ws.name) && !only.includes(ws.dir)) continue;
    const t = performance.now();
    await buildPackage(join(root, ws.dir), ws.packageJson);
    console.log(`  built ${ws.name} (${Math.round(performance.now() - t)} ms)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildPackages(repoRoot, process.argv.slice(2).length ? process.argv.slice(2) : undefined).catch((err: Error) => {
    console.error(`build:packages: ${err.message}`);
    process.exit(1);
  });
}

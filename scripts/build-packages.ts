// npm run build:packages: compiles every workspace package to ESM + CommonJS
// + .d.ts (dist/), in dependency order. Each package's generated code comes
// from gen/ through its package.json "entryPoints"; dist/ is swapped in
// atomically, so a failed build leaves the previous one intact.
import { rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { build } from "tsup";
import { replaceDirAtomic, siblingTempDir } from "./lib/fs-atomic.js";
import { buildEntries, type PackageJson } from "./lib/package-plan.js";
import { repoRoot } from "./lib/repo.js";
import { listWorkspacePackages } from "./lib/workspaces.js";

/**
 * Builds one package. `bundled` names private workspace packages (such as @acme/h2) that are
 * compiled into this one, code and types, instead of staying imports: they are never published.
 */
export async function buildPackage(dir: string, pj: PackageJson, bundled: string[] = []): Promise<void> {
  const entries = buildEntries(pj.entryPoints ?? {});
  if (Object.keys(entries).length === 0) return;
  const outDir = siblingTempDir(join(dir, "dist"));
  try {
    await build({
      entry: Object.fromEntries(Object.entries(entries).map(([n, src]) => [n, join(dir, src)])),
      outDir,
      format: ["esm", "cjs"],
      dts: { compilerOptions: { composite: false }, resolve: bundled },
      tsconfig: join(repoRoot, "tsconfig.base.json"),
      splitting: true,
      sourcemap: false,
      clean: false,
      target: "es2022",
      silent: true,
      // Every dependency stays an import; only this package's own sources, gen/ and the private
      // workspace packages it names are bundled.
      noExternal: bundled,
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

/**
 * Builds packages concurrently (BUILD_CONCURRENCY, default: the core count),
 * each starting only once the workspace packages it depends on are built.
 */
export async function buildPackages(root = repoRoot, only?: string[]): Promise<void> {
  const all = listWorkspacePackages(root);
  const selected = all.filter((ws) => !only || only.includes(ws.name) || only.includes(ws.dir));
  const names = new Set(selected.map((ws) => ws.name));
  const privateNames = new Set(all.filter((ws) => ws.packageJson.private === true).map((ws) => ws.name));
  const done = new Map<string, Promise<void>>();
  const limit = Math.max(1, Number(process.env.BUILD_CONCURRENCY) || availableParallelism());
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= limit) await new Promise<void>((r) => queue.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
  for (const ws of selected) {
    const pj = ws.packageJson as { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    const deps = Object.keys({ ...pj.dependencies, ...pj.devDependencies, ...pj.peerDependencies }).filter((d) => names.has(d));
    // listWorkspacePackages is in dependency order, so every dep already has its promise.
    done.set(
      ws.name,
      Promise.all(deps.map((d) => done.get(d))).then(() =>
        slot(async () => {
          const t = performance.now();
          await buildPackage(
            join(root, ws.dir),
            ws.packageJson,
            Object.keys(pj.devDependencies ?? {}).filter((d) => privateNames.has(d)),
          );
          console.log(`  built ${ws.name} (${Math.round(performance.now() - t)} ms)`);
        }),
      ),
    );
  }
  const results = await Promise.allSettled(done.values());
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildPackages(repoRoot, process.argv.slice(2).length ? process.argv.slice(2) : undefined).catch((err: Error) => {
    console.error(`build:packages: ${err.message}`);
    process.exit(1);
  });
}

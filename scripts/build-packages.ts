// npm run build:packages: builds every workspace package into dist/ as ESM
// (.js), CommonJS (.cjs) and declarations for both (.d.ts, .d.cts), in about
// one compiler pass for all of them:
//   - JavaScript: esbuild, one process, file by file (no bundling), every
//     package at once; only an executable (package.json "bin") is then
//     bundled into one file;
//   - declarations: file by file with no type checker (TypeScript's isolated
//     declarations) for every package whose modules allow it (all generated
//     code does), and ONE TypeScript program over the others, emitting
//     declarations only (`npm run typecheck` does the type check).
// Imports are rewritten per scripts/lib/codegen/package-graph.ts: another family's
// generated code is imported by package name, private workspace packages are
// compiled in.
//
// Incremental by content: each package has a key, the hash of its sources,
// its package.json, the toolchain and its workspace dependencies' keys. A
// built dist/ is kept in .cache/packages/<dir>/<key>/ with a manifest of
// file hashes; an unchanged package is not rebuilt, a dist/ that differs from
// the entry is restored from it, and an entry that fails its manifest is
// thrown away and rebuilt, never used. dist/ is swapped in atomically.
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";
import type TS from "typescript";
import { listTree } from "./lib/codegen/codegen.js";
import { replaceDirAtomic } from "./lib/infra/fs-atomic.js";
import { planPackageBuilds, specifierRefs, type PackageBuildPlan } from "./lib/codegen/package-graph.js";
import { hasSchemaArtifacts, schemaArtifactInputs, writeSchemaArtifacts } from "./lib/codegen/package-schemas.js";
import { repoRoot } from "./lib/infra/repo.js";
import { listWorkspacePackages, type WorkspacePackage } from "./lib/infra/workspaces.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

export const CACHE_DIR = join(".cache", "packages");
/** Versions whose change must rebuild everything (pinned in the root package.json). */
const TOOLCHAIN = ["esbuild", "typescript", "@bufbuild/protobuf", "@bufbuild/protoc-gen-es", "@bufbuild/buf"];
/** This build's own code: a change to how packages are built rebuilds them all. */
const BUILD_CODE = [
  "scripts/build-packages.ts",
  "scripts/lib/codegen/package-graph.ts",
  "scripts/lib/codegen/package-schemas.ts",
  "tsconfig.base.json",
];
const KEEP_ENTRIES = 3;

export interface BuildReport {
  /** Compiled in this run. */
  built: string[];
  /** dist/ copied back from a verified cache entry. */
  restored: string[];
  /** dist/ already matched its entry: nothing done. */
  upToDate: string[];
  /** Cache entries that failed verification (and were rebuilt). */
  corrupted: string[];
}

interface Manifest {
  key: string;
  files: Record<string, { sha256: string; mode: number }>;
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const fmt = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

function toolchainKey(root: string): string {
  const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    devDependencies?: Record<string, string>;
  };
  const parts: string[] = [`node-major:${process.versions.node.split(".")[0]}`];
  for (const name of TOOLCHAIN) {
    const installed = join(root, "node_modules", name, "package.json");
    const version = existsSync(installed)
      ? (JSON.parse(readFileSync(installed, "utf8")) as { version: string }).version
      : "-";
    parts.push(`${name}@${rootPkg.devDependencies?.[name] ?? "-"}/${version}`);
  }
  for (const f of BUILD_CODE)
    parts.push(`${f}:${existsSync(join(root, f)) ? sha256(readFileSync(join(root, f))) : "-"}`);
  return sha256(parts.join("\n"));
}

/** Each workspace package's key, from its inputs and its workspace dependencies' keys. */
function packageKeys(
  root: string,
  all: WorkspacePackage[],
  plans: Map<string, PackageBuildPlan>,
  toolchain: string,
  schemaInputs: string[],
): Map<string, string> {
  const keys = new Map<string, string>();
  const byName = new Map(all.map((ws) => [ws.name, ws]));
  const visiting = new Set<string>();
  const keyOf = (name: string): string => {
    const done = keys.get(name);
    if (done) return done;
    if (visiting.has(name)) throw new Error(`workspace dependency cycle through ${name}`);
    visiting.add(name);
    const ws = byName.get(name)!;
    const plan = plans.get(name);
    const pj = ws.packageJson as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const deps = new Set([
      ...Object.keys({ ...pj.dependencies, ...pj.peerDependencies, ...pj.devDependencies }),
      ...(plan?.workspaceImports ?? []),
    ]);
    const h = createHash("sha256").update(`toolchain ${toolchain}\n`);
    h.update(`package.json ${sha256(readFileSync(join(root, ws.dir, "package.json")))}\n`);
    for (const m of plan?.modules ?? [])
      h.update(`${relative(root, m.src)} -> ${m.out} ${sha256(readFileSync(m.src))}\n`);
    if (hasSchemaArtifacts(ws.packageJson))
      for (const f of schemaInputs) h.update(`schema ${relative(root, f)} ${sha256(readFileSync(f))}\n`);
    for (const d of [...deps].sort()) if (byName.has(d) && d !== name) h.update(`dep ${d} ${keyOf(d)}\n`);
    const key = h.digest("hex").slice(0, 32);
    visiting.delete(name);
    keys.set(name, key);
    return key;
  };
  for (const ws of all) keyOf(ws.name);
  return keys;
}

function manifestOf(dir: string, key: string): Manifest {
  const files: Manifest["files"] = {};
  for (const f of listTree(dir)) {
    const abs = join(dir, f);
    files[f] = { sha256: sha256(readFileSync(abs)), mode: statSync(abs).mode & 0o777 };
  }
  return { key, files };
}

/** Whether `dir` holds exactly the files the manifest lists, with the same content. */
function matches(dir: string, m: Manifest): boolean {
  if (!existsSync(dir)) return false;
  const files = listTree(dir);
  if (files.length !== Object.keys(m.files).length) return false;
  return files.every((f) => m.files[f]?.sha256 === sha256(readFileSync(join(dir, f))));
}

/** A cache entry's manifest if the entry is whole and unaltered; "corrupt" if it exists but is not. */
function readEntry(entry: string, key: string): Manifest | "corrupt" | undefined {
  if (!existsSync(entry)) return undefined;
  try {
    const m = JSON.parse(readFileSync(join(entry, "manifest.json"), "utf8")) as Manifest;
    if (m.key !== key || !matches(join(entry, "files"), m)) return "corrupt";
    return m;
  } catch {
    return "corrupt";
  }
}

/** The esbuild plugin that keeps every import external, rewritten for the output format. */
function rewritePlugin(ownerOf: Map<string, PackageBuildPlan>, ext: ".js" | ".cjs"): Plugin {
  return {
    name: "rewrite-imports",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        const plan = ownerOf.get(args.importer);
        if (!plan) return { errors: [{ text: `${args.importer} belongs to no package being built` }] };
        try {
          return { path: plan.rewrite(args.importer, args.path, ext), external: true };
        } catch (err) {
          return { errors: [{ text: (err as Error).message }] };
        }
      });
    },
  };
}

/** Rewrites the module specifiers of an emitted declaration file. */
function rewriteDeclaration(text: string, rewrite: (spec: string) => string): string {
  let out = "";
  let at = 0;
  for (const r of specifierRefs(text)) {
    out += text.slice(at, r.start) + rewrite(r.name);
    at = r.start + r.name.length;
  }
  return out + text.slice(at);
}

/** TypeScript, loaded only when something is to be built: a no-change run skips its start-up. */
let ts: typeof TS;

function compilerOptions(root: string, all: WorkspacePackage[]): TS.CompilerOptions {
  const cfg = ts.readConfigFile(join(root, "tsconfig.base.json"), ts.sys.readFile);
  if (cfg.error) throw new Error(ts.flattenDiagnosticMessageText(cfg.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  // Workspace packages resolve to their sources, so one program sees every package as it is now,
  // whatever state their dist/ is in.
  const paths: Record<string, string[]> = {};
  for (const ws of all) {
    for (const [sub, src] of Object.entries(ws.packageJson.entryPoints ?? {})) {
      paths[sub === "." ? ws.name : `${ws.name}${sub.slice(1)}`] = [resolve(root, ws.dir, src)];
    }
  }
  return {
    ...parsed.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    sourceMap: false,
    composite: false,
    incremental: false,
    outDir: join(root, ".cache", "dts-virtual"),
    rootDir: root,
    paths,
  };
}

function formatDiagnostics(diags: readonly TS.Diagnostic[], root: string): string {
  return ts.formatDiagnostics(diags, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}

/** The modules a package's "bin" entries run (dist/<out>.js). */
function binModules(p: PackageBuildPlan): PackageBuildPlan["modules"] {
  const bins = Object.values((p.ws.packageJson.bin as Record<string, string> | undefined) ?? {});
  const outs = new Set(bins.map((b) => relative("dist", b).replace(/\.js$/, "")));
  return p.modules.filter((m) => outs.has(m.out));
}

/** Builds the given packages into `tmp/<dir name>/`: JavaScript for both formats, then declarations. */
async function compile(
  root: string,
  todo: PackageBuildPlan[],
  all: WorkspacePackage[],
  tmp: string,
  log: (s: string) => void,
): Promise<Map<string, number>> {
  const ownerOf = new Map<string, PackageBuildPlan>();
  for (const p of todo) for (const m of p.modules) ownerOf.set(m.src, p);
  const outBase = (p: PackageBuildPlan) => basename(p.ws.dir);
  const entryPoints = todo.flatMap((p) => p.modules.map((m) => ({ in: m.src, out: `${outBase(p)}/${m.out}` })));

  let t = performance.now();
  // Both formats at once: esbuild parallelises inside its own process.
  const results = await Promise.all(
    (["esm", "cjs"] as const).map((format) =>
      build({
        entryPoints,
        outdir: tmp,
        bundle: true,
        format,
        platform: "neutral",
        target: "es2022",
        outExtension: { ".js": format === "cjs" ? ".cjs" : ".js" },
        plugins: [rewritePlugin(ownerOf, format === "cjs" ? ".cjs" : ".js")],
        logLevel: "silent",
        sourcemap: false,
        write: true,
      }).catch(
        (err: {
          errors?: { text: string; location?: { file: string; line: number; column: number } | null }[];
          message: string;
        }) => {
          const lines = (err.errors ?? []).map((e) =>
            e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text,
          );
          throw new Error(`JavaScript (${format}) failed:\n${lines.join("\n") || err.message}`);
        },
      ),
    ),
  );
  void results;
  // Each executable (package.json "bin") is then bundled into one file, its dependencies included: a
  // plugin that protoc or buf starts once per request spends a good part of its run loading modules
  // (bench:docs). Its CommonJS twin and the library modules stay one file per module.
  const bins = todo.flatMap((p) => binModules(p).map((m) => ({ p, m })));
  await Promise.all(
    bins.map(({ p, m }) =>
      build({
        entryPoints: [m.src],
        outfile: join(tmp, outBase(p), `${m.out}.js`),
        allowOverwrite: true,
        bundle: true,
        format: "esm",
        platform: "node",
        target: "node20",
        minifyWhitespace: true,
        minifySyntax: true,
        legalComments: "eof",
        logLevel: "silent",
        sourcemap: false,
        write: true,
      }).catch((err: Error) => {
        throw new Error(`bundling ${relative(root, m.src)} failed: ${err.message}`);
      }),
    ),
  );
  log(
    `  javascript: ${entryPoints.length} modules × ESM + CJS${bins.length ? `, ${bins.length} executables bundled` : ""} in ${fmt(performance.now() - t)}`,
  );

  t = performance.now();
  ts = (await import("typescript")).default;
  const times = new Map<string, number>();
  const errors: TS.Diagnostic[] = [];
  const writeDeclaration = (p: PackageBuildPlan, m: PackageBuildPlan["modules"][number], text: string) => {
    for (const [ext, jsExt] of [
      [".d.ts", ".js"],
      [".d.cts", ".cjs"],
    ] as const) {
      const file = join(tmp, outBase(p), `${m.out}${ext}`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        rewriteDeclaration(text, (spec) => p.rewrite(m.src, spec, jsExt)),
      );
    }
  };
  // Declarations file by file without a type checker (isolated declarations, TypeScript's
  // transpileDeclaration), for every package whose modules all allow it: generated code does,
  // since protoc-gen-es annotates every export. The others go through one TypeScript program.
  const options = compilerOptions(root, all);
  const needProgram: PackageBuildPlan[] = [];
  let isolated = 0;
  for (const p of todo) {
    const tp = performance.now();
    const texts: string[] = [];
    for (const m of p.modules) {
      const r = ts.transpileDeclaration(readFileSync(m.src, "utf8"), {
        fileName: m.src,
        compilerOptions: { ...options, isolatedDeclarations: true },
        reportDiagnostics: true,
      });
      if (r.diagnostics?.length) break;
      texts.push(r.outputText);
    }
    if (texts.length !== p.modules.length) {
      needProgram.push(p);
      continue;
    }
    for (const [i, m] of p.modules.entries()) writeDeclaration(p, m, texts[i]);
    times.set(p.ws.name, performance.now() - tp);
    isolated++;
  }
  log(
    `  declarations: ${isolated}/${todo.length} packages file by file (isolated declarations) in ${fmt(performance.now() - t)}`,
  );
  if (needProgram.length) {
    t = performance.now();
    const program = ts.createProgram({ rootNames: needProgram.flatMap((p) => p.modules.map((m) => m.src)), options });
    const step = Math.max(1, Math.ceil(needProgram.length / 20));
    let done = 0;
    for (const p of needProgram) {
      const tp = performance.now();
      for (const m of p.modules) {
        const sf = program.getSourceFile(m.src);
        if (!sf) throw new Error(`${relative(root, m.src)}: not in the declaration program`);
        const r = program.emit(sf, (_name, text) => writeDeclaration(p, m, text), undefined, true);
        errors.push(...r.diagnostics);
      }
      times.set(p.ws.name, performance.now() - tp);
      done++;
      if (done % step === 0 || done === needProgram.length)
        log(
          `  declarations: ${done}/${needProgram.length} packages by one TypeScript program (${fmt(performance.now() - t)})`,
        );
    }
  }
  if (errors.length) throw new Error(`declarations failed:\n${formatDiagnostics(errors, root)}`);
  return times;
}

/**
 * Builds the workspace packages (all, or those named in `only`) that changed
 * since their last build, and returns what it did with each.
 */
export async function buildPackages(
  root = repoRoot,
  only?: string[],
  log: (s: string) => void = console.log,
): Promise<BuildReport> {
  const started = performance.now();
  const all = listWorkspacePackages(root);
  const allPlans = planPackageBuilds(root);
  const plans = new Map(allPlans.map((p) => [p.ws.name, p]));
  // The protos that packages with schema artifacts (@acme/schemas) carry are part of their key.
  const schemaInputs = all.some((ws) => hasSchemaArtifacts(ws.packageJson)) ? await schemaArtifactInputs(root) : [];
  const keys = packageKeys(root, all, plans, toolchainKey(root), schemaInputs);
  const selected = allPlans.filter((p) => !only || only.includes(p.ws.name) || only.includes(p.ws.dir));
  if (only) {
    const unknown = only.filter((n) => !all.some((ws) => ws.name === n || ws.dir === n));
    if (unknown.length) throw new Error(`no workspace package named ${unknown.join(", ")}`);
  }
  const cacheRoot = join(root, CACHE_DIR);
  const report: BuildReport = { built: [], restored: [], upToDate: [], corrupted: [] };
  const todo: PackageBuildPlan[] = [];
  const entryOf = (p: PackageBuildPlan) => join(cacheRoot, basename(p.ws.dir), keys.get(p.ws.name)!);

  for (const p of selected) {
    const entry = entryOf(p);
    const m = readEntry(entry, keys.get(p.ws.name)!);
    if (m === "corrupt") {
      log(`  ${p.ws.name}: cache entry ${relative(root, entry)} fails its manifest; discarding it and rebuilding`);
      rmSync(entry, { recursive: true, force: true });
      report.corrupted.push(p.ws.name);
      todo.push(p);
    } else if (!m) {
      todo.push(p);
    } else if (matches(join(p.absDir, "dist"), m)) {
      report.upToDate.push(p.ws.name);
    } else {
      const fresh = join(cacheRoot, `.restore-${process.pid}-${basename(p.ws.dir)}`);
      rmSync(fresh, { recursive: true, force: true });
      cpSync(join(entry, "files"), fresh, { recursive: true, preserveTimestamps: true });
      for (const [f, { mode }] of Object.entries(m.files)) chmodSync(join(fresh, f), mode);
      replaceDirAtomic(fresh, join(p.absDir, "dist"));
      report.restored.push(p.ws.name);
    }
  }
  log(
    `build:packages: ${selected.length} packages: ${todo.length} to build, ${report.restored.length} restored from cache, ${report.upToDate.length} up to date` +
      ` (${availableParallelism()} cores)`,
  );

  if (todo.length) {
    mkdirSync(cacheRoot, { recursive: true });
    const tmp = join(cacheRoot, `.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    try {
      const times = await compile(root, todo, all, tmp, log);
      for (const p of todo) {
        const out = join(tmp, basename(p.ws.dir));
        mkdirSync(out, { recursive: true });
        if (hasSchemaArtifacts(p.ws.packageJson)) {
          const a = await writeSchemaArtifacts(root, out);
          log(`  ${p.ws.name}: ${a.files} .proto files and a ${a.bytes}-byte descriptor set`);
        }
        for (const bin of Object.values((p.ws.packageJson.bin as Record<string, string> | undefined) ?? {})) {
          const file = join(out, relative("dist", bin));
          if (existsSync(file)) chmodSync(file, 0o755);
        }
        const key = keys.get(p.ws.name)!;
        const manifest = manifestOf(out, key);
        // The cache entry is written beside its final place, then renamed: never seen half-written.
        const entry = entryOf(p);
        const staging = `${entry}.tmp-${process.pid}`;
        rmSync(staging, { recursive: true, force: true });
        mkdirSync(staging, { recursive: true });
        cpSync(out, join(staging, "files"), { recursive: true });
        writeFileSync(join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);
        rmSync(entry, { recursive: true, force: true });
        renameSync(staging, entry);
        replaceDirAtomic(out, join(p.absDir, "dist"));
        report.built.push(p.ws.name);
        pruneEntries(dirname(entry), key);
      }
      const slowest = [...times].sort((a, b) => b[1] - a[1]).slice(0, 3);
      if (todo.length > 1) log(`  slowest declarations: ${slowest.map(([n, ms]) => `${n} ${fmt(ms)}`).join(", ")}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  for (const n of report.built) log(`  built ${n}`);
  for (const n of report.restored) log(`  restored ${n} from cache`);
  log(`build:packages: done in ${fmt(performance.now() - started)}`);
  return report;
}

/** Keeps the newest few entries of a package (switching branches back and forth stays cheap). */
function pruneEntries(dir: string, current: string): void {
  const entries = readdirSync(dir)
    .filter((e) => e !== current && !e.includes(".tmp-"))
    .map((e) => ({ e, t: statSync(join(dir, e)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { e } of entries.slice(KEEP_ENTRIES - 1)) rmSync(join(dir, e), { recursive: true, force: true });
}

runIfEntryPoint(import.meta.url, "build:packages", async () => {
  const args = process.argv.slice(2);
  await buildPackages(repoRoot, args.length ? args : undefined);
  return 0;
});

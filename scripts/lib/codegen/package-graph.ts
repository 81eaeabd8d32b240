// The module graph of every workspace package, as the package build sees it:
// which source files a package is made of, where each one lands in its
// dist/, and what every import becomes there. The package build (scripts/
// build-packages.ts) emits JavaScript and declarations file by file from
// this plan, so the rewrite rules live here, in one place:
//   - a relative import inside the package stays relative, pointing at the
//     emitted file (.js for ESM, .cjs for CommonJS);
//   - an import of another family's generated code becomes an import of that
//     family's package by name (`@acme/payments/v1`), never a copy;
//   - an import of a private workspace package (e.g. @acme/h2) is compiled
//     into the importing package under dist/_bundled/<dir>/, since it is
//     never published;
//   - every other bare import stays as it is.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { buildEntries } from "./package-plan.js";
import { repoRoot } from "../infra/repo.js";
import { listWorkspacePackages, type WorkspacePackage } from "../infra/workspaces.js";

/** Where a source file lands: in some package's dist/, or as an import of another package. */
export type Target = { kind: "file"; out: string } | { kind: "package"; specifier: string };

export interface PackageModule {
  /** Absolute path of the .ts source. */
  src: string;
  /** Output path inside dist/, without extension, e.g. "v1" or "v1/greeter_pb". */
  out: string;
}

export interface PackageBuildPlan {
  ws: WorkspacePackage;
  absDir: string;
  /** Every source file compiled into this package, sorted by output path. */
  modules: PackageModule[];
  /** Workspace packages this one imports by name (including cross-family generated code). */
  workspaceImports: string[];
  /** Rewrites an import written in `importer` (a module of this package) for the given output format. */
  rewrite(importer: string, specifier: string, ext: ".js" | ".cjs"): string;
}

const toPosix = (p: string) => p.split(sep).join("/");

export interface SpecifierRef {
  name: string;
  /** Offset of the name's first character (just after the opening quote). */
  start: number;
}

// TypeScript's pre-parser misses `export * as ns from "x"`; this finds those.
const EXPORT_STAR_AS = /\bexport\s*\*\s*as\s+[\w$]+\s+from\s*(["'])([^"'\n]+)\1/g;

/**
 * Every module specifier in a TypeScript source or declaration file, with
 * where it is: TypeScript's own pre-parser (imports, re-exports, import()
 * and import types), plus `export * as` re-exports, which it skips.
 */
export function specifierRefs(text: string): SpecifierRef[] {
  const refs = new Map<number, SpecifierRef>();
  for (const f of ts.preProcessFile(text, true, true).importedFiles) {
    // pos is the opening quote's offset; the name follows it.
    const start = f.pos + 1;
    if (text.slice(start, start + f.fileName.length) === f.fileName) refs.set(start, { name: f.fileName, start });
  }
  for (const m of text.matchAll(EXPORT_STAR_AS)) {
    const start = m.index! + m[0].length - 1 - m[2].length;
    refs.set(start, { name: m[2], start });
  }
  return [...refs.values()].sort((a, b) => a.start - b.start);
}

/** Module specifiers imported by a TypeScript source. */
export function importsOf(text: string): string[] {
  return specifierRefs(text).map((r) => r.name);
}

/** The .ts file a relative specifier refers to ("./a.js" -> a.ts), or undefined. */
function resolveSource(fromFile: string, spec: string): string | undefined {
  const abs = resolve(dirname(fromFile), spec);
  const candidates = /\.(c|m)?js$/.test(abs)
    ? [abs.replace(/\.(c|m)?js$/, (m) => m.replace("js", "ts")), abs.replace(/\.(c|m)?js$/, ".tsx")]
    : [abs, `${abs}.ts`, join(abs, "index.ts")];
  return candidates.find((c) => existsSync(c) && c.endsWith("ts"));
}

function relSpecifier(fromOut: string, toOut: string, ext: string): string {
  let r = toPosix(relative(dirname(fromOut), toOut));
  if (!r.startsWith(".")) r = `./${r}`;
  return r + ext;
}

/** The family package that publishes a generated directory, and the entry point its barrel is. */
interface Owner {
  ws: WorkspacePackage;
  subpath: string;
}

/** Plans the build of every workspace package (or those named in `only`). */
export function planPackageBuilds(root = repoRoot, only?: string[]): PackageBuildPlan[] {
  const all = listWorkspacePackages(root);
  const byName = new Map(all.map((ws) => [ws.name, ws]));
  const byDir = new Map(all.map((ws) => [ws.dir.slice("packages/".length), ws]));
  const genRoot = join(root, "gen");
  // gen/<dir>/<file>.ts -> the family package with an entry point at gen/<dir>/index.ts (the barrel
  // `npm run generate` writes for the proto package there, see package-plan.ts).
  const ownerByGenDir = new Map<string, Owner>();
  for (const ws of all) {
    for (const [subpath, src] of Object.entries(ws.packageJson.entryPoints ?? {})) {
      const abs = resolve(root, ws.dir, src);
      if (abs.startsWith(genRoot + sep) && basename(abs) === "index.ts")
        ownerByGenDir.set(toPosix(relative(genRoot, dirname(abs))), { ws, subpath });
    }
  }
  const ownerOfGen = (abs: string): Owner | undefined => ownerByGenDir.get(toPosix(relative(genRoot, dirname(abs))));
  const familySpecifier = (o: Owner) => `${o.ws.name}${o.subpath === "." ? "" : o.subpath.slice(1)}`;
  const entrySource = (ws: WorkspacePackage, sub: string): string | undefined => {
    const src = ws.packageJson.entryPoints?.[sub];
    return src ? resolve(root, ws.dir, src) : undefined;
  };
  const splitBare = (spec: string): [string, string] => {
    const segs = spec.split("/");
    const n = spec.startsWith("@") ? 2 : 1;
    return [segs.slice(0, n).join("/"), segs.length > n ? `./${segs.slice(n).join("/")}` : "."];
  };

  const plans: PackageBuildPlan[] = [];
  for (const ws of all) {
    if (only && !only.includes(ws.name) && !only.includes(ws.dir)) continue;
    const absDir = join(root, ws.dir);
    const entries = ws.packageJson.entryPoints ?? {};
    if (Object.keys(entries).length === 0) continue;
    const outOf = new Map<string, string>(); // src -> out
    const externalOf = new Map<string, string>(); // src -> package specifier
    const workspaceImports = new Set<string>();
    const queue: { src: string; base: string; bundledDir?: string }[] = [];
    const entryNames = buildEntries(entries);

    // Where a file of `owner` lands inside this package's dist/ (or undefined: it is another package's).
    const layout = (src: string, home: WorkspacePackage, prefix: string): string => {
      const homeDir = join(root, home.dir);
      for (const [name, rel] of Object.entries(buildEntries(home.packageJson.entryPoints ?? {}))) {
        if (resolve(homeDir, rel) === src) return prefix + name;
      }
      if (src.startsWith(genRoot + sep)) {
        const o = ownerOfGen(src);
        // Generated code no family package publishes (third-party protos): compiled into its importer.
        if (!o) return `${prefix}_gen/${toPosix(relative(genRoot, src)).replace(/\.tsx?$/, "")}`;
        const entry = buildEntries({ [o.subpath]: "" });
        return `${prefix}${Object.keys(entry)[0]}/${basename(src).replace(/\.tsx?$/, "")}`;
      }
      const srcDir = join(homeDir, "src");
      const rel = src.startsWith(srcDir + sep) ? relative(srcDir, src) : relative(homeDir, src);
      return prefix + toPosix(rel).replace(/\.tsx?$/, "");
    };

    const add = (src: string, home: WorkspacePackage, prefix: string) => {
      if (outOf.has(src) || externalOf.has(src)) return;
      outOf.set(src, layout(src, home, prefix));
      queue.push({ src, base: prefix, bundledDir: prefix ? home.dir : undefined });
    };
    for (const rel of Object.values(entryNames)) add(resolve(absDir, rel), ws, "");

    // Bare imports: a private workspace package is compiled in; anything else stays an import.
    const bundledEntry = (spec: string): string | undefined => {
      const [name, sub] = splitBare(spec);
      const dep = byName.get(name);
      if (dep?.packageJson.private !== true || dep === ws) return undefined;
      const src = entrySource(dep, sub);
      if (!src) throw new Error(`${ws.dir}: imports ${spec}, but ${dep.dir}/package.json has no entry point "${sub}"`);
      add(src, dep, `_bundled/${basename(dep.dir)}/`);
      return src;
    };
    const bareTargets = new Map<string, string>(); // spec -> src of a bundled entry

    const resolvedImports = new Map<string, Map<string, string>>(); // importer -> spec -> target src
    while (queue.length) {
      const { src, bundledDir } = queue.shift()!;
      const home = bundledDir ? byDir.get(basename(bundledDir))! : ws;
      const homeDir = join(root, home.dir);
      const targets = new Map<string, string>();
      resolvedImports.set(src, targets);
      for (const spec of importsOf(readFileSync(src, "utf8"))) {
        if (!spec.startsWith(".") && !spec.startsWith("/")) {
          const [name] = splitBare(spec);
          if (byName.has(name) && name !== ws.name) workspaceImports.add(name);
          const b = bareTargets.get(spec) ?? bundledEntry(spec);
          if (b) {
            bareTargets.set(spec, b);
            targets.set(spec, b);
          }
          continue;
        }
        const target = resolveSource(src, spec);
        if (!target) throw new Error(`${toPosix(relative(root, src))}: cannot resolve import "${spec}" to a .ts file`);
        targets.set(spec, target);
        if (target.startsWith(genRoot + sep)) {
          const o = ownerOfGen(target);
          if (o && o.ws !== ws) {
            // Another family's generated code: a dependency on that package, by name.
            externalOf.set(target, familySpecifier(o));
            workspaceImports.add(o.ws.name);
            continue;
          }
          add(target, ws, "");
          continue;
        }
        if (target.startsWith(homeDir + sep)) {
          add(target, home, bundledDir ? `_bundled/${basename(home.dir)}/` : "");
          continue;
        }
        const other = all.find((w) => target.startsWith(join(root, w.dir) + sep));
        throw new Error(
          `${toPosix(relative(root, src))}: imports "${spec}" from outside its package${other ? `; import ${other.name} by name instead` : ""}`,
        );
      }
    }

    const seen = new Map<string, string>();
    for (const [src, out] of outOf) {
      const clash = seen.get(out);
      if (clash)
        throw new Error(
          `${ws.dir}: ${toPosix(relative(root, clash))} and ${toPosix(relative(root, src))} would both be emitted as dist/${out}.js; rename one`,
        );
      seen.set(out, src);
    }

    const rewrite = (importer: string, spec: string, ext: ".js" | ".cjs"): string => {
      const from = outOf.get(importer);
      if (from === undefined) throw new Error(`${toPosix(relative(root, importer))} is not part of ${ws.name}`);
      let target = resolvedImports.get(importer)?.get(spec);
      if (!target && !spec.startsWith(".") && !spec.startsWith("/")) {
        // A bare name stays as it is unless it names a private workspace package, which is compiled in.
        const [name, sub] = splitBare(spec);
        const dep = byName.get(name);
        if (dep?.packageJson.private !== true || dep === ws) return spec;
        target = entrySource(dep, sub);
      }
      if (!target) target = resolveSource(importer, spec);
      if (!target) throw new Error(`${toPosix(relative(root, importer))}: cannot resolve "${spec}"`);
      const ext2 = externalOf.get(target);
      if (ext2) return ext2;
      const out = outOf.get(target);
      if (out === undefined) {
        // A declaration can name a file the package never imported (an inferred type): it must be
        // another workspace package's, which consumers reach by name.
        throw new Error(
          `${toPosix(relative(root, importer))}: "${spec}" is not part of ${ws.name}; import it by package name`,
        );
      }
      return relSpecifier(from, out, ext);
    };
    plans.push({
      ws,
      absDir,
      modules: [...outOf].map(([src, out]) => ({ src, out })).sort((a, b) => a.out.localeCompare(b.out)),
      workspaceImports: [...workspaceImports].sort(),
      rewrite,
    });
  }
  return plans;
}

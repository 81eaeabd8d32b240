import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { bin, runOrThrow } from "../infra/exec.js";
import { writeFileAtomic } from "../infra/fs-atomic.js";
import {
  barrelFor,
  FILE_REGISTRY_MODULE,
  fileRegistryModule,
  isGeneratedReadme,
  planPackages,
} from "./package-plan.js";
import { ensureProtoDeps, PROTO_DEPS } from "./proto-deps.js";
import { protoPackagesOf, type ProtoPackage } from "./protos.js";
import { readRepoConfig, repoRoot } from "../infra/repo.js";
import { type SchemaImage, workingTreeSchema } from "../schema/image-registry.js";

/**
 * Runs buf generate (buf.gen.yaml) with every output under `base`, then adds
 * one barrel index.ts per proto package. Nothing is written outside `base`
 * (but the working tree's image, kept under .cache/image/). Returns the
 * generated gen/ tree's path (`base`/gen) and the schema it was made from.
 */
export async function generateInto(base: string, root = repoRoot): Promise<{ genDir: string; schema: SchemaImage }> {
  await ensureProtoDeps(root);
  let schema: SchemaImage;
  try {
    schema = await workingTreeSchema(root);
    await runOrThrow(bin("buf", root), ["generate", "--template", "buf.gen.yaml", "-o", base], { cwd: root });
  } catch (err) {
    // buf names only the file where it noticed the cycle; name every file of it, with the import lines.
    const cycles = /cyclic import/.test((err as Error).message) ? describeImportCycles(root) : [];
    if (cycles.length) (err as Error).message += `\n${cycles.join("\n")}`;
    throw err;
  }
  const genDir = join(base, "gen");
  mkdirSync(genDir, { recursive: true });
  // Imports whose generated code an npm package ships (buf.gen.yaml's rewrite_imports point there).
  for (const m of PROTO_DEPS.filter((d) => d.generatedByNpm)) {
    for (const f of (await m.files(root)).keys())
      rmSync(join(genDir, f.replace(/\.proto$/, "_pb.ts")), { force: true });
  }
  removeEmptyDirs(genDir);
  writeEntryPoints(genDir, protoPackagesOf(schema, readRepoConfig(root).protoOrg));
  return { genDir, schema };
}

/**
 * Writes what `buf generate` does not: one barrel index.ts per proto package
 * and the registry helper they import, into the generated tree `genDir`.
 */
export function writeEntryPoints(genDir: string, packages: ProtoPackage[]): void {
  for (const p of packages) {
    const consts = p.files.map((f) => {
      const pb = join(genDir, f.replace(/\.proto$/, "_pb.ts"));
      const m = /^export const (file_\w+): GenFile\b/m.exec(readFileSync(pb, "utf8"));
      if (!m) throw new Error(`${relative(genDir, pb)}: protoc-gen-es wrote no \`export const file_...: GenFile\``);
      return m[1];
    });
    mkdirSync(join(genDir, p.dir), { recursive: true });
    writeFileSync(join(genDir, p.dir, "index.ts"), barrelFor(p, consts));
  }
  if (packages.length) writeFileSync(join(genDir, FILE_REGISTRY_MODULE), fileRegistryModule());
}

function removeEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && removeEmptyDirs(join(dir, e.name))) rmSync(join(dir, e.name), { recursive: true });
    else empty = false;
  }
  return empty;
}

/** Every file under `dir`, relative and with forward slashes, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir);
  return out.sort();
}

export interface TreeDiff {
  stale: string[];
  missing: string[];
  extra: string[];
}

/** Compares an expected tree with an actual one, file by file. */
export function diffTrees(expected: string, actual: string): TreeDiff {
  const exp = new Set(listTree(expected));
  const act = new Set(listTree(actual));
  const diff: TreeDiff = { stale: [], missing: [], extra: [] };
  for (const f of exp) {
    if (!act.has(f)) diff.missing.push(f);
    else if (!readFileSync(join(expected, f)).equals(readFileSync(join(actual, f)))) diff.stale.push(f);
  }
  for (const f of act) if (!exp.has(f)) diff.extra.push(f);
  return diff;
}

export interface PackageFileChange {
  path: string; // relative to the repo root
  content: string;
  created: boolean;
}

/** The package.json and README files that `npm run generate` would write for `schema`, and only those that differ. */
export function pendingPackageFiles(schema: SchemaImage, root = repoRoot): PackageFileChange[] {
  const changes: PackageFileChange[] = [];
  for (const plan of planPackages(schema, root)) {
    const files: [string, string][] = [[`${plan.dir}/package.json`, `${JSON.stringify(plan.packageJson, null, 2)}\n`]];
    if (plan.readme) files.push([`${plan.dir}/README.md`, plan.readme]);
    for (const [rel, content] of files) {
      const abs = join(root, rel);
      const current = existsSync(abs) ? readFileSync(abs, "utf8") : undefined;
      if (current !== content) changes.push({ path: rel, content, created: current === undefined });
    }
  }
  return changes;
}

/** Writes the pending package files; returns them. */
export function syncPackageFiles(schema: SchemaImage, root = repoRoot): PackageFileChange[] {
  const changes = pendingPackageFiles(schema, root);
  for (const c of changes) writeFileAtomic(join(root, c.path), c.content);
  return changes;
}

/** Removes package dirs whose proto package is gone and which hold nothing hand-written. */
export function pruneOrphanPackages(schema: SchemaImage, root = repoRoot): string[] {
  const planned = new Set(planPackages(schema, root).map((p) => p.dir));
  const removed: string[] = [];
  const pkgRoot = join(root, "packages");
  if (!existsSync(pkgRoot)) return removed;
  for (const e of readdirSync(pkgRoot, { withFileTypes: true })) {
    const dir = `packages/${e.name}`;
    if (!e.isDirectory() || planned.has(dir)) continue;
    const files = listTree(join(root, dir)).filter((f) => !f.startsWith("dist/") && !f.startsWith("node_modules/"));
    const readme = join(root, dir, "README.md");
    const generatedOnly = files.every(
      (f) => f === "package.json" || (f === "README.md" && isGeneratedReadme(readFileSync(readme, "utf8"))),
    );
    if (generatedOnly) {
      rmSync(join(root, dir), { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

const PROTO_IMPORT_LINE = /^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/;

/**
 * Every import cycle among the files under proto/, each as one line naming
 * every file in it with the line of its import. The one place that reads
 * .proto text: it runs only after buf refused to compile the schema (a cycle
 * leaves no image to read), because buf names only the file where it noticed
 * the cycle. E.g.
 * "import cycle: proto/a.proto:3 imports b.proto, proto/b.proto:4 imports a.proto".
 */
export function describeImportCycles(root = repoRoot): string[] {
  const protoDir = join(root, "proto");
  const edges = new Map<string, { to: string; line: number }[]>();
  for (const f of listTree(protoDir).filter((f) => f.endsWith(".proto"))) {
    const lines = readFileSync(join(protoDir, f), "utf8").split("\n");
    edges.set(
      f,
      lines.flatMap((l, i) => {
        const m = PROTO_IMPORT_LINE.exec(l);
        return m ? [{ to: m[1], line: i + 1 }] : [];
      }),
    );
  }
  const out = new Set<string>();
  const state = new Map<string, "visiting" | "done">();
  const stack: { file: string; line: number; to: string }[] = [];
  const visit = (file: string) => {
    state.set(file, "visiting");
    for (const e of edges.get(file) ?? []) {
      if (!edges.has(e.to)) continue;
      stack.push({ file, line: e.line, to: e.to });
      if (state.get(e.to) === "visiting") {
        const cycle = stack.slice(stack.findIndex((s) => s.file === e.to));
        out.add(
          `import cycle: ${cycle.map((s) => `proto/${s.file}:${s.line} imports "${s.to}"`).join(", ")}; break it by moving the shared messages into one file`,
        );
      } else if (!state.has(e.to)) visit(e.to);
      stack.pop();
    }
    state.set(file, "done");
  };
  for (const f of [...edges.keys()].sort()) if (!state.has(f)) visit(f);
  return [...out];
}

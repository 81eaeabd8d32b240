// Third-party protos that our schemas import, as buf workspace modules under
// the gitignored .deps/proto/. They come from pinned npm packages only (the
// BSR cannot be reached offline): buf resolves imports from them, while
// buf.yaml keeps them out of lint and breaking, and generate/docs treat them
// as imports, never as ours. Every script that runs buf calls
// ensureProtoDeps() first; `npm ci` fills them too (the prepare script).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRegistry, type DescFile, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { bin, runOrThrow } from "../infra/exec.js";
import { replaceDirAtomic, siblingTempDir } from "../infra/fs-atomic.js";
import { printProtoFile } from "./proto-print.js";
import { repoRoot } from "../infra/repo.js";

/** Where the dependency modules live, relative to the repo root (gitignored). */
export const DEPS_DIR = ".deps/proto";

export interface ProtoDepModule {
  /** Directory name under .deps/proto/, and the module path in buf.yaml. */
  name: string;
  /** The npm package it comes from (pinned exactly in the root package.json). */
  npm: string;
  /** Where its files are documented, for our docs' links. */
  docs: string;
  /** The .proto files of the module, path -> source. */
  files(root: string): Promise<Map<string, string>>;
  /**
   * Set when the npm package also ships the module's generated TypeScript:
   * buf.gen.yaml rewrites imports to it, so our gen/ copy is dropped.
   */
  generatedByNpm?: boolean;
}

function packageDir(root: string, name: string): string {
  // Read from node_modules directly: not every package exports its package.json.
  const dir = join(root, "node_modules", name);
  if (!existsSync(join(dir, "package.json"))) throw new Error(`${name} is not installed; run npm ci`);
  return dir;
}

export function pinnedVersion(root: string, name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(root, name), "package.json"), "utf8")) as { version: string })
    .version;
}

/** The google/api and google/rpc files we allow, plus whatever they import from google-proto-files (not google/protobuf: buf has those). */
const GOOGLEAPIS_ROOTS = [
  "google/api/annotations.proto",
  "google/api/http.proto",
  "google/api/field_behavior.proto",
  "google/api/resource.proto",
  "google/rpc/code.proto",
  "google/rpc/error_details.proto",
  "google/rpc/http.proto",
  "google/rpc/status.proto",
];

/**
 * The roots and every file they import, as buf resolves them: an image of the
 * roots (built from the package's directory as a module of its own) holds
 * exactly those files, so no import is followed by reading .proto text.
 */
async function googleapisFiles(root: string): Promise<Map<string, string>> {
  const base = packageDir(root, "google-proto-files");
  for (const f of GOOGLEAPIS_ROOTS) {
    if (!existsSync(join(base, f)))
      throw new Error(`google-proto-files ${pinnedVersion(root, "google-proto-files")} has no ${f}`);
  }
  const tmp = mkdtempSync(join(tmpdir(), "googleapis-"));
  try {
    const image = join(tmp, "image.binpb");
    const args = ["build", ".", "--config", JSON.stringify({ version: "v2" }), "-o", image];
    await runOrThrow(bin("buf", root), [...args, ...GOOGLEAPIS_ROOTS.flatMap((f) => ["--path", f])], { cwd: base });
    const files = new Map<string, string>();
    for (const f of fromBinary(FileDescriptorSetSchema, readFileSync(image)).file) {
      if (!f.name.startsWith("google/protobuf/")) files.set(f.name, readFileSync(join(base, f.name), "utf8"));
    }
    return files;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function protovalidateFiles(root: string): Promise<Map<string, string>> {
  // No registry package ships buf/validate/validate.proto (see the README);
  // @bufbuild/protovalidate ships its compiled FileDescriptorProto, which we print back as source.
  const entry = join(packageDir(root, "@bufbuild/protovalidate"), "dist/esm/gen/buf/validate/validate_pb.js");
  const mod = (await import(entry)) as { file_buf_validate_validate: DescFile };
  const file = mod.file_buf_validate_validate;
  return new Map([[file.proto.name, printProtoFile(file, createRegistry(file, ...file.dependencies))]]);
}

export const PROTO_DEPS: ProtoDepModule[] = [
  {
    name: "googleapis",
    npm: "google-proto-files",
    docs: "https://github.com/googleapis/googleapis/tree/master/",
    files: googleapisFiles,
  },
  {
    name: "protovalidate",
    npm: "@bufbuild/protovalidate",
    docs: "https://buf.build/bufbuild/protovalidate/docs/main:",
    files: protovalidateFiles,
    generatedByNpm: true,
  },
];

/** The module that provides an imported file, e.g. "google/api/http.proto" -> googleapis. */
export async function depModuleOf(file: string, root = repoRoot): Promise<ProtoDepModule | undefined> {
  for (const m of PROTO_DEPS) if ((await m.files(root)).has(file)) return m;
  return undefined;
}

const STAMP = "SOURCE.json";

/**
 * Writes .deps/proto/<module>/ for every dependency module whose content or
 * pinned version changed, each swapped in whole, and returns the modules it
 * rewrote. Cheap when nothing changed: one small file read per module.
 */
export async function ensureProtoDeps(root = repoRoot): Promise<string[]> {
  const written: string[] = [];
  for (const m of PROTO_DEPS) {
    const target = join(root, DEPS_DIR, m.name);
    const stamp = `${JSON.stringify({ npm: m.npm, version: pinnedVersion(root, m.npm), generator: GENERATOR_VERSION }, null, 2)}\n`;
    if (existsSync(join(target, STAMP)) && readFileSync(join(target, STAMP), "utf8") === stamp) continue;
    const files = await m.files(root);
    const tmp = siblingTempDir(target);
    try {
      for (const [rel, src] of files) {
        mkdirSync(dirname(join(tmp, rel)), { recursive: true });
        writeFileSync(join(tmp, rel), src);
      }
      writeFileSync(join(tmp, STAMP), stamp);
      replaceDirAtomic(tmp, target);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    written.push(`${DEPS_DIR}/${m.name}`);
  }
  return written;
}

/** Bumped when what a module's files are made from changes, so existing .deps/ trees are rewritten. */
const GENERATOR_VERSION = 1;

/**
 * A directory holding the schema at a git ref, with the dependency modules
 * beside it, for buf to compile (a ref alone lacks the gitignored .deps/).
 * The caller removes it.
 */
export async function checkoutSchemaAt(ref: string, cwd = repoRoot): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "schema-at-"));
  try {
    const sha = (await runOrThrow("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd })).stdout.trim();
    const listed = (await runOrThrow("git", ["ls-tree", "--name-only", sha], { cwd })).stdout.split("\n");
    const paths = ["buf.yaml", "buf.lock", "proto"].filter((p) => listed.includes(p));
    const tar = join(dir, ".schema.tar");
    await runOrThrow("git", ["archive", "--format=tar", "-o", tar, sha, "--", ...paths], { cwd });
    await runOrThrow("tar", ["-xf", tar, "-C", dir], { cwd });
    rmSync(tar);
    await ensureProtoDeps(cwd);
    if (existsSync(join(cwd, DEPS_DIR))) cpSync(join(cwd, ".deps"), join(dir, ".deps"), { recursive: true });
    return dir;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The .proto files of every dependency module on disk, relative to their module root. */
export function listDepFiles(root = repoRoot): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of PROTO_DEPS) {
    const dir = join(root, DEPS_DIR, m.name);
    const files: string[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
        else if (e.name.endsWith(".proto")) files.push(`${rel}${e.name}`);
      }
    };
    if (existsSync(dir)) walk(dir, "");
    out.set(m.name, files.sort());
  }
  return out;
}

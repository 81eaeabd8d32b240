// Compile once: `npm run build` compiles proto/ with `buf build` into one
// image (a FileDescriptorSet with source info, imports marked) and hands it
// to every stage that can take one (lint, breaking, generate, docs), which
// then read it instead of compiling the schema again. Any script can reuse
// it: `buildBufImage()` writes it, `readBufImage()` decodes it.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { type FileDescriptorSet, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { parse } from "yaml";
import { bin, run } from "../infra/exec.js";
import { listTree } from "../codegen/codegen.js";
import { DEPS_DIR, ensureProtoDeps } from "../codegen/proto-deps.js";
import { writeFileAtomic } from "../infra/fs-atomic.js";
import { repoRoot } from "../infra/repo.js";

/** Where `npm run build` keeps the working tree's image (gitignored). */
export const IMAGE_FILE = join(".cache", "image", "working-tree.binpb");
/** The module that the image holds; every other file in it is an import. */
export const MODULE_DIR = "proto";

/**
 * `buf build proto -o <out>`: the working tree's schema, compiled once.
 * Written beside its place and renamed, so a reader never sees half an image.
 * Rejects with buf's own errors (file:line:col) when the schema does not compile.
 */
export async function buildBufImage(root = repoRoot, out = join(root, IMAGE_FILE)): Promise<string> {
  await ensureProtoDeps(root);
  mkdirSync(dirname(out), { recursive: true });
  // The image is kept with the key of everything it is compiled from; the same key, the same image.
  const key = imageInputsKey(root);
  const keyFile = `${out}.key`;
  if (existsSync(out) && existsSync(keyFile) && readFileSync(keyFile, "utf8") === key) return out;
  rmSync(keyFile, { force: true });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    const r = await run(bin("buf", root), ["build", MODULE_DIR, "-o", tmp], { cwd: root });
    if (r.code !== 0)
      throw new Error(`buf build ${MODULE_DIR} failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`);
    renameSync(tmp, out);
    writeFileAtomic(keyFile, key);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

/** sha256 of everything `buf build proto` reads: buf's version, its config, and every .proto of proto/ and .deps/proto/. */
export function imageInputsKey(root = repoRoot): string {
  const h = createHash("sha256");
  const buf = join(root, "node_modules", "@bufbuild", "buf", "package.json");
  h.update(existsSync(buf) ? readFileSync(buf) : "-");
  for (const f of ["buf.yaml", "buf.lock"])
    h.update(`\n${f} `).update(existsSync(join(root, f)) ? readFileSync(join(root, f)) : "-");
  for (const dir of [MODULE_DIR, DEPS_DIR])
    for (const f of listTree(join(root, dir)))
      if (f.endsWith(".proto")) h.update(`\n${dir}/${f} `).update(readFileSync(join(root, dir, f)));
  return h.digest("hex");
}

/** Decodes an image (an Image is wire-compatible with a FileDescriptorSet). */
export function readBufImage(path: string): FileDescriptorSet {
  return fromBinary(FileDescriptorSetSchema, readFileSync(path));
}

/** sha256 of an image's bytes: a content key for everything derived from the schema. */
export function imageDigest(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

interface CheckConfig {
  use?: string[];
  except?: string[];
  ignore?: string[];
  ignore_only?: Record<string, string[]>;
  [k: string]: unknown;
}

/**
 * buf.yaml's lint and breaking settings for an image input: an image carries
 * no buf.yaml, and its file names are relative to the module (acme/…), not to
 * the repo (proto/acme/…), so the ignore paths lose their `proto/` prefix
 * (paths outside the module, such as .deps/, do not apply to it). Returned as
 * the JSON that `buf lint|breaking --config` takes.
 */
export function imageCheckConfig(root = repoRoot): string {
  const doc = parse(readFileSync(join(root, "buf.yaml"), "utf8")) as {
    lint?: CheckConfig;
    breaking?: CheckConfig;
    modules?: { path: string; lint?: CheckConfig; breaking?: CheckConfig }[];
  };
  const own = doc.modules?.find((m) => m.path === MODULE_DIR);
  const prefix = `${MODULE_DIR}/`;
  const strip = (paths: string[] | undefined) =>
    paths?.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  const section = (top: CheckConfig | undefined, mod: CheckConfig | undefined): CheckConfig => {
    const c: CheckConfig = { ...top, ...mod };
    if (c.ignore) c.ignore = strip(c.ignore);
    if (c.ignore_only)
      c.ignore_only = Object.fromEntries(Object.entries(c.ignore_only).map(([rule, ps]) => [rule, strip(ps) ?? []]));
    return c;
  };
  return JSON.stringify({
    version: "v2",
    lint: section(doc.lint, own?.lint),
    breaking: section(doc.breaking, own?.breaking),
  });
}

/** One finding of `buf lint|breaking --error-format json` on an image, placed back in the repo (proto/…). */
export interface ImageFinding {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  message: string;
}

/** One line of buf's `--error-format json` output, as buf writes it (lint and breaking alike). */
export interface BufJsonFinding {
  path?: string;
  start_line?: number;
  start_column?: number;
  end_line?: number;
  end_column?: number;
  type: string;
  message: string;
}

/** The findings in buf's `--error-format json` output: one JSON object a line; any other line is passed over. */
export function bufJsonFindings(stdout: string): BufJsonFinding[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim().startsWith("{"))
    .map((line) => JSON.parse(line) as BufJsonFinding);
}

export function parseImageFindings(stdout: string): ImageFinding[] {
  return bufJsonFindings(stdout).map((f) => ({
    path: f.path ? `${MODULE_DIR}/${f.path}` : MODULE_DIR,
    line: f.start_line ?? 1,
    column: f.start_column ?? 1,
    endLine: f.end_line ?? f.start_line ?? 1,
    endColumn: f.end_column ?? f.start_column ?? 1,
    rule: f.type,
    message: f.message,
  }));
}

/** The `--image <file>` argument a stage was given by `npm run build`, if any. */
export function imageArg(argv = process.argv.slice(2)): string | undefined {
  const i = argv.indexOf("--image");
  return i >= 0 ? argv[i + 1] : undefined;
}

// Incremental lint and breaking on the build's one image (`--image`): after a
// clean run, the digest of each of our files' compiled descriptor (source info
// included) is kept in .cache/checks/<check>.json with a key for everything
// else the result depends on (buf's version, the rules, the against image).
// The next run asks buf about the changed files only (`--path`), because:
// - a lint rule looks at one file, or at the files that share its package or
//   its directory (PACKAGE_SAME_*, DIRECTORY_SAME_PACKAGE), so the changed
//   files are widened to those;
// - a FILE breaking rule compares one file with its namesake in the against
//   image (with --exclude-imports), except FILE_NO_DELETE, which needs the
//   whole module: a file gone since the last clean run means a full run.
// A different key or no state means a full run. The state is written only
// after a clean result, so a finding is reported again until it is fixed, and
// a run that fails or dies half-way leaves the last clean state as it was.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { type FileDescriptorSet, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { RunResult } from "../infra/exec.js";
import { writeFileAtomic } from "../infra/fs-atomic.js";
import { repoRoot } from "../infra/repo.js";
import { MODULE_DIR } from "./buf-image.js";

const CHECKS_DIR = join(".cache", "checks");
/** This file and buf-image.ts decide what a digest covers: a change to them is a full run. */
const CODE_VERSION = 1;

/** One of our files (relative to proto/) in an image, with its descriptor's package and digest. */
export interface ImageFileDigest {
  name: string;
  pkg: string;
  digest: string;
}

interface State {
  key: string;
  files: Record<string, string>;
}

/** Our module's files in an image (imports from .deps/ and buf's WKTs are not ours). */
export function ownFileDigests(image: FileDescriptorSet, root = repoRoot): ImageFileDigest[] {
  return image.file
    .filter((f) => existsSync(join(root, MODULE_DIR, f.name)))
    .map((f) => ({
      name: f.name,
      pkg: f.package,
      digest: createHash("sha256").update(toBinary(FileDescriptorProtoSchema, f)).digest("hex"),
    }));
}

/** What a check has to look at: every file, none, or these (relative to proto/). */
export type CheckPlan = { kind: "all"; why: string } | { kind: "none" } | { kind: "paths"; paths: string[] };

export interface CheckScope {
  /** Widen the changed files to those that share a package or a directory with one (lint). */
  neighbours: boolean;
  /** A file gone since the last clean run needs the whole module checked (breaking). */
  fullOnRemoval: boolean;
}

/** Pure: which files to check, given the last clean state (if any) and the image's files now. */
export function planCheck(
  state: State | undefined,
  key: string,
  files: ImageFileDigest[],
  scope: CheckScope,
): CheckPlan {
  if (!state) return { kind: "all", why: "no clean run on record" };
  if (state.key !== key) return { kind: "all", why: "buf, its rules or the compared schema changed" };
  const now = new Map(files.map((f) => [f.name, f]));
  const removed = Object.keys(state.files).filter((n) => !now.has(n));
  if (removed.length && scope.fullOnRemoval) return { kind: "all", why: `${removed[0]} was removed` };
  const changed = files.filter((f) => state.files[f.name] !== f.digest);
  if (!changed.length && !removed.length) return { kind: "none" };
  const paths = new Set(changed.map((f) => f.name));
  if (scope.neighbours) {
    // A removed file's package is not in the image any more; its directory is.
    const dirs = new Set([...changed.map((f) => dirname(f.name)), ...removed.map((n) => dirname(n))]);
    const pkgs = new Set(changed.map((f) => f.pkg));
    for (const f of files) if (dirs.has(dirname(f.name)) || pkgs.has(f.pkg)) paths.add(f.name);
  }
  if (!paths.size) return { kind: "none" };
  return { kind: "paths", paths: [...paths].sort() };
}

/** The last clean state of a check and the means to replace it. */
export function checkState(check: "lint" | "breaking", root = repoRoot) {
  const file = join(root, CHECKS_DIR, `${check}.json`);
  const read = (): State | undefined => {
    try {
      const s = JSON.parse(readFileSync(file, "utf8")) as State;
      return typeof s.key === "string" && s.files && typeof s.files === "object" ? s : undefined;
    } catch {
      return undefined; // missing or damaged: a full run, which writes it anew
    }
  };
  return {
    read,
    /** After a clean result: every file in the image is clean under this key. */
    recordClean(key: string, files: ImageFileDigest[]): void {
      const state: State = { key, files: Object.fromEntries(files.map((f) => [f.name, f.digest])) };
      writeFileAtomic(file, `${JSON.stringify(state)}\n`);
    },
  };
}

/** The key of everything but our files: buf's version, the rules, and whatever else the caller names. */
export function checkKey(parts: string[], root = repoRoot): string {
  const buf = join(root, "node_modules", "@bufbuild", "buf", "package.json");
  const version = existsSync(buf) ? (JSON.parse(readFileSync(buf, "utf8")) as { version: string }).version : "-";
  return createHash("sha256")
    .update([`v${CODE_VERSION}`, `buf ${version}`, ...parts].join("\n"))
    .digest("hex");
}

/**
 * buf's memory grows with the files it checks, not with the image (breaking at
 * 1,000 files: 2.4 GB in one run, 570 MB for 250 of them, in about the same
 * total time), so a check is asked about at most this many files at once.
 */
export const FILES_PER_RUN = 250;

/**
 * The `--path` batches that cover a plan: one empty batch (the whole image)
 * with `whole` (breaking, when a file of the compared schema is gone: only a
 * run over the whole module reports FILE_NO_DELETE), else batches of at most FILES_PER_RUN files. With
 * `keepTogether` (lint), files that share a package or a directory stay in
 * one batch, so that buf sees them side by side.
 */
export function pathBatches(
  plan: CheckPlan,
  files: ImageFileDigest[],
  opts: { keepTogether: boolean; whole: boolean },
): string[][] {
  if (plan.kind === "none") return [];
  if (opts.whole) return [[]];
  const paths = plan.kind === "all" ? files.map((f) => f.name).sort() : plan.paths;
  // Groups: union of files by directory and by package.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const r = find(p);
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const info = new Map(files.map((f) => [f.name, f]));
  for (const p of paths) {
    if (!opts.keepTogether) break;
    union(p, `dir:${dirname(p)}`);
    const pkg = info.get(p)?.pkg;
    if (pkg !== undefined) union(p, `pkg:${pkg}`);
  }
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    const g = opts.keepTogether ? find(p) : p;
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  const batches: string[][] = [];
  let batch: string[] = [];
  for (const group of groups.values()) {
    if (batch.length && batch.length + group.length > FILES_PER_RUN) {
      batches.push(batch);
      batch = [];
    }
    batch.push(...group);
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/**
 * Runs buf once per batch, one after the other (memory stays that of one
 * batch), with the batch's `--path` arguments (none: the whole image), and
 * merges the results as one run: findings (exit 100) from every batch, and
 * any other failure first.
 */
export async function runBatches(
  batches: string[][],
  runBuf: (pathArgs: string[]) => Promise<RunResult>,
): Promise<RunResult> {
  const all: RunResult = { code: 0, stdout: "", stderr: "" };
  for (const batch of batches) {
    const r = await runBuf(batch.flatMap((p) => ["--path", p]));
    all.stdout += r.stdout;
    all.stderr += r.stderr;
    if (r.code !== 0 && r.code !== 100) return { ...all, code: r.code };
    if (r.code === 100) all.code = 100;
  }
  return all;
}

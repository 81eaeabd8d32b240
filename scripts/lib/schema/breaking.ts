import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { bufJsonFindings, imageCheckConfig, imageDigest, MODULE_DIR, readBufImage } from "./buf-image.js";
import { checkKey, checkState, ownFileDigests, pathBatches, planCheck, runBatches } from "./check-cache.js";
import { bin, run } from "../infra/exec.js";
import { checkoutSchemaAt, ensureProtoDeps, listDepFiles } from "../codegen/proto-deps.js";
import { isShallow, latestReleaseTag, refExists, resolveCommit } from "../infra/git.js";
import { repoRoot } from "../infra/repo.js";

/** One breaking change as buf reports it. */
export interface BreakingFinding {
  path: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

export class BreakingCheckError extends Error {}

export interface AgainstRef {
  ref: string;
  /** Why this ref was chosen, for the log. */
  reason: string;
}

/**
 * The ref to compare with: the one asked for, else the newest release tag
 * reachable from HEAD, else the base branch (GITHUB_BASE_REF in a PR, else
 * origin/main or main).
 */
export async function pickAgainst(asked: string | undefined, cwd = repoRoot): Promise<AgainstRef> {
  if (asked) return { ref: asked, reason: "as asked" };
  const tag = await latestReleaseTag(cwd);
  if (tag) return { ref: tag, reason: "the latest release tag" };
  const base = process.env.GITHUB_BASE_REF;
  for (const cand of base ? [`origin/${base}`, base] : ["origin/main", "main"]) {
    if (await refExists(cand, cwd)) {
      return { ref: cand, reason: "no v* release tag yet; comparing with the base branch" };
    }
  }
  throw new BreakingCheckError(
    (await isShallow(cwd))
      ? "no release tag and no base branch in this clone, which is shallow: run `git fetch --tags --unshallow origin` (in GitHub Actions: actions/checkout with fetch-depth: 0)"
      : "no release tag (v*) and no main branch to compare with; pass --against <ref>",
  );
}

/**
 * The schema does not compile (on the working tree or at the ref compared
 * with), so nothing can be said about compatibility. Never approvable: an
 * approval is for a break, not for a schema that cannot be generated.
 */
export class SchemaCompileError extends BreakingCheckError {
  constructor(
    readonly errors: BreakingFinding[],
    /** "the working tree" or the git ref whose schema does not compile. */
    readonly where: string,
  ) {
    super(
      `${SchemaCompileError.headline(errors.length, where)}:\n${errors.map((e) => `  ${formatFindingText(e)}`).join("\n")}\n${SchemaCompileError.hint(errors.length)}`,
    );
  }

  static headline(n: number, where: string): string {
    return `the schema of ${where} does not compile (${n} error${n > 1 ? "s" : ""}), so it cannot be checked for breaking changes, and no approval changes that`;
  }

  static hint(n: number): string {
    return `\`npm run lint\` shows the error${n > 1 ? "s" : ""} with the fix.`;
  }
}

/**
 * A deleted (or renamed) file comes from buf with no path, only its name
 * inside the module in the message: `Previously present file "acme/x/v1/x.proto"
 * was deleted.` The finding is placed on that old path, line 1.
 */
function pathOf(f: { path?: string; type: string; message: string }): string | undefined {
  if (f.path) return f.path;
  const file = /^Previously present file "([^"]+)"/.exec(f.message)?.[1];
  return file ? `${MODULE_DIR}/${file}` : undefined;
}

/**
 * Parses buf's --error-format json lines. `prefix` is put before the paths of
 * an image input, whose file names are relative to the module (acme/…).
 */
export function parseBufFindings(stdout: string, prefix = ""): BreakingFinding[] {
  // A finding buf gives no file at all (none known today) is still reported, against the module.
  return bufJsonFindings(stdout).map((f) => ({
    path: pathOf(f.path ? { ...f, path: prefix + f.path } : f) ?? MODULE_DIR,
    line: f.start_line ?? 1,
    column: f.start_column ?? 1,
    rule: f.type,
    message: f.message,
  }));
}

/**
 * The image of our module at a commit, compiled once and kept in
 * .cache/image/ under the commit, buf's version and the dependency modules:
 * a release tag's schema never changes, so later builds only read it.
 */
async function imageAt(sha: string, cwd: string): Promise<string> {
  const version = (p: string) =>
    existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as { version: string }).version : "-";
  const deps = ["googleapis", "protovalidate"]
    .map((m) => join(cwd, ".deps", "proto", m, "SOURCE.json"))
    .map((f) => (existsSync(f) ? readFileSync(f, "utf8") : "-"));
  const key = createHash("sha256")
    .update([sha, version(join(cwd, "node_modules", "@bufbuild", "buf", "package.json")), ...deps].join("\n"))
    .digest("hex")
    .slice(0, 24);
  const out = join(cwd, ".cache", "image", `at-${key}.binpb`);
  if (existsSync(out)) return out;
  const at = await checkoutSchemaAt(sha, cwd);
  try {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.tmp-${process.pid}`;
    const r = await run(bin("buf", repoRoot), ["build", join(at, "proto"), "--error-format", "json", "-o", tmp], {
      cwd,
    });
    if (r.code !== 0) {
      rmSync(tmp, { force: true });
      const errors = parseBufFindings(r.stdout);
      throw errors.length
        ? new SchemaCompileError(errors, sha)
        : new BreakingCheckError(`buf build at ${sha} failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`);
    }
    renameSync(tmp, out);
    return out;
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
}

/**
 * Runs buf breaking against a git ref and returns its findings (empty when compatible).
 * Given `image` (the working tree compiled once by npm run build), buf compares
 * it with the ref's image, itself compiled once per commit and cached.
 */
export async function breakingFindings(ref: string, cwd = repoRoot, image?: string): Promise<BreakingFinding[]> {
  if (!(await refExists(ref, cwd))) {
    const hint = (await isShallow(cwd))
      ? ` This clone is shallow, so older history and tags are missing: run \`git fetch --tags --unshallow origin\` (in GitHub Actions: actions/checkout with fetch-depth: 0 and fetch-tags: true).`
      : " Fetch it first (`git fetch --tags origin`) or pick another with --against.";
    throw new BreakingCheckError(`git ref "${ref}" is not in this clone.${hint}`);
  }
  const sha = await resolveCommit(ref, cwd);
  if (image) {
    await ensureProtoDeps(cwd);
    let old: string;
    try {
      old = await imageAt(sha, cwd);
    } catch (err) {
      if (err instanceof SchemaCompileError) throw new SchemaCompileError(err.errors, ref);
      throw err;
    }
    // Only the files changed since the last clean check against this same image (check-cache.ts).
    const config = imageCheckConfig(cwd);
    const files = ownFileDigests(readBufImage(image), cwd);
    const key = checkKey([config, `against ${imageDigest(old)}`], cwd);
    const state = checkState("breaking", cwd);
    const plan = planCheck(state.read(), key, files, { neighbours: false, fullOnRemoval: true });
    if (plan.kind === "none") return [];
    // A file of the compared schema that is gone: only a run over the whole module reports FILE_NO_DELETE.
    const now = new Set(files.map((f) => f.name));
    const deps = depFileNames(cwd);
    const gone = readBufImage(old).file.some(
      (f) => !now.has(f.name) && !f.name.startsWith("google/protobuf/") && !deps.has(f.name),
    );
    const batches = pathBatches(plan, files, { keepTogether: false, whole: gone });
    const r = await runBatches(batches, (paths) =>
      run(
        bin("buf", repoRoot),
        [
          "breaking",
          image,
          "--against",
          old,
          "--config",
          config,
          "--error-format",
          "json",
          ...(paths.length ? [...paths, "--exclude-imports"] : []),
        ],
        { cwd },
      ),
    );
    if (r.code === 0) {
      state.recordClean(key, files);
      return [];
    }
    const findings = parseBufFindings(r.stdout, `${MODULE_DIR}/`);
    if (r.code === 100 && findings.length) return findings;
    throw new BreakingCheckError(
      `buf breaking against ${ref} failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`,
    );
  }
  // Both sides are our module only (proto/): the third-party modules under
  // .deps/ are gitignored, so the old side is checked out with them beside it.
  await ensureProtoDeps(cwd);
  const against = await checkoutSchemaAt(sha, cwd);
  let r: Awaited<ReturnType<typeof run>>;
  try {
    r = await run(
      bin("buf", repoRoot),
      ["breaking", "proto", "--error-format", "json", "--against", join(against, "proto")],
      { cwd },
    );
  } finally {
    rmSync(against, { recursive: true, force: true });
  }
  if (r.code === 0) return [];
  const findings = parseBufFindings(r.stdout);
  const compile = findings.filter((f) => f.rule === "COMPILE");
  if (compile.length) {
    // buf says COMPILE for either side; the working tree is the usual culprit, and cheap to tell.
    const own = await run(bin("buf", repoRoot), ["build", "proto", "--error-format", "json", "-o", "/dev/null"], {
      cwd,
    });
    const head = own.code === 0 ? [] : parseBufFindings(own.stdout);
    throw head.length ? new SchemaCompileError(head, "the working tree") : new SchemaCompileError(compile, ref);
  }
  if (r.code === 100 && findings.length) return findings;
  throw new BreakingCheckError(
    `buf breaking against ${ref} failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`,
  );
}

/** The names (relative to their module) of every third-party .proto under .deps/. */
function depFileNames(cwd: string): Set<string> {
  return new Set([...listDepFiles(cwd).values()].flat());
}

/** `file:line:col: message (RULE)`, the same shape as buf's text output. */
export function formatFindingText(f: BreakingFinding): string {
  return `${f.path}:${f.line}:${f.column}: ${f.message} (${f.rule})`;
}

/** A GitHub Actions workflow command, shown inline on the PR's diff. */
export function formatFindingGithub(f: BreakingFinding, level: "error" | "warning" = "error"): string {
  const esc = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const prop = (s: string) => esc(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  return `::${level} file=${prop(f.path)},line=${f.line},col=${f.column},title=${prop(`buf breaking ${f.rule}`)}::${esc(f.message)}`;
}

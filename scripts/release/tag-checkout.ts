// A release tag's sources to work on: this checkout when HEAD is the tag,
// else a temporary git worktree of the tag (with our node_modules linked),
// removed afterwards.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { run, runOrThrow } from "../lib/infra/exec.js";
import { refExists, resolveCommit } from "../lib/infra/git.js";
import { releaseError } from "./errors.js";

export function versionOfTag(tag: string): string {
  const v = semver.valid(tag.replace(/^v/, ""));
  if (!v || !tag.startsWith("v")) throw releaseError("EBADTAG", { tag, problem: "format" });
  return v;
}

/** Where a remote is, for messages: a URL as is, a remote name with its URL. */
async function describeRemote(remote: string, cwd: string): Promise<string> {
  if (/^[\w.-]+$/.test(remote)) {
    const r = await run("git", ["remote", "get-url", remote], { cwd });
    if (r.code === 0) return `${remote} (${withoutCredentials(r.stdout.trim())})`;
  }
  return withoutCredentials(remote);
}

/** semantic-release hands plugins the push URL with its token in it; messages must not carry it. */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^/@]*@/i, "$1");
}

/**
 * A release tag is trusted only when the remote has it, on the same commit as
 * here: a tag that exists only in this clone (its push was rejected, or it
 * was made by hand) is not a release, and publishing it would put packages in
 * the registry that no tag on the remote explains.
 */
export async function verifyTagOnRemote(tag: string, remote: string, cwd: string): Promise<void> {
  const local = await resolveCommit(`${tag}^{commit}`, cwd);
  const r = await run("git", ["ls-remote", "--tags", remote, `refs/tags/${tag}`, `refs/tags/${tag}^{}`], { cwd });
  const where = await describeRemote(remote, cwd);
  if (r.code !== 0) {
    throw releaseError("EREMOTETAG", { tag, where, why: r.stderr.trim().split("\n")[0] });
  }
  const refs = new Map(
    r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [sha, ref] = l.split("\t");
        return [ref, sha] as const;
      }),
  );
  const remoteCommit = refs.get(`refs/tags/${tag}^{}`) ?? refs.get(`refs/tags/${tag}`);
  if (!remoteCommit) {
    throw releaseError("ELOCALTAG", { tag, where, remote, localCommit: local });
  }
  if (remoteCommit !== local) {
    throw releaseError("ELOCALTAG", { tag, where, remote, localCommit: local, remoteCommit });
  }
}

export async function withTagCheckout<T>(
  tag: string,
  cwd: string,
  log: (m: string) => void,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  versionOfTag(tag);
  if (!(await refExists(`refs/tags/${tag}`, cwd))) {
    throw releaseError("EBADTAG", { tag, problem: "missing" });
  }
  if ((await resolveCommit(tag, cwd)) === (await resolveCommit("HEAD", cwd))) return fn(cwd);
  const worktree = mkdtempSync(join(tmpdir(), `release-${tag}-`));
  try {
    await runOrThrow("git", ["worktree", "add", "--detach", worktree, tag], { cwd });
    if (existsSync(join(cwd, "node_modules")) && !existsSync(join(worktree, "node_modules"))) {
      symlinkSync(join(cwd, "node_modules"), join(worktree, "node_modules"), "dir");
    }
    log(`checked out ${tag} in ${worktree}`);
    return await fn(worktree);
  } finally {
    await run("git", ["worktree", "remove", "--force", worktree], { cwd });
    rmSync(worktree, { recursive: true, force: true });
  }
}

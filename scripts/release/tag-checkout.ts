// A release tag's sources to work on: this checkout when HEAD is the tag,
// else a temporary git worktree of the tag (with our node_modules linked),
// removed afterwards.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { run, runOrThrow } from "../lib/infra/exec.js";
import { refExists, resolveCommit } from "../lib/infra/git.js";
import { ReleaseError } from "./errors.js";

export function versionOfTag(tag: string): string {
  const v = semver.valid(tag.replace(/^v/, ""));
  if (!v || !tag.startsWith("v"))
    throw new ReleaseError("EBADTAG", `"${tag}" is not a release tag: expected vX.Y.Z, e.g. v1.4.0`);
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
    throw new ReleaseError(
      "EREMOTETAG",
      `cannot read the tags of ${where} to check ${tag}: ${r.stderr.trim().split("\n")[0]}`,
      "Nothing was published. Check the remote and its credentials, then re-run.",
    );
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
    throw new ReleaseError(
      "ELOCALTAG",
      `tag ${tag} exists only in this clone, not on ${where}: it is not a release, so nothing was published`,
      [
        `Its push was probably rejected by an earlier run. If ${tag} should be released, look at why the push failed, then`,
        `delete the local tag and re-run the release, which tags again: git tag -d ${tag}`,
        "If the tag was made by hand, delete it the same way.",
      ].join("\n"),
    );
  }
  if (remoteCommit !== local) {
    throw new ReleaseError(
      "ELOCALTAG",
      `tag ${tag} is on ${local.slice(0, 12)} here but on ${remoteCommit.slice(0, 12)} on ${where}; nothing was published`,
      `The remote's tag is the release. Replace the local one with it: git tag -d ${tag} && git fetch ${remote} tag ${tag}`,
    );
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
    throw new ReleaseError("EBADTAG", `tag ${tag} is not in this clone`, "Fetch it first: git fetch --tags origin");
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

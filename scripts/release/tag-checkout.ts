// A release tag's sources to work on: this checkout when HEAD is the tag,
// else a temporary git worktree of the tag (with our node_modules linked),
// removed afterwards.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import semver from "semver";
import { run, runOrThrow } from "../lib/exec.js";
import { refExists, resolveCommit } from "../lib/git.js";
import { ReleaseError } from "./errors.js";

export function versionOfTag(tag: string): string {
  const v = semver.valid(tag.replace(/^v/, ""));
  if (!v || !tag.startsWith("v")) throw new ReleaseError("EBADTAG", `"${tag}" is not a release tag: expected vX.Y.Z, e.g. v1.4.0`);
  return v;
}

export async function withTagCheckout<T>(tag: string, cwd: string, log: (m: string) => void, fn: (dir: string) => Promise<T>): Promise<T> {
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

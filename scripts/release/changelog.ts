// CHANGELOG.md on the release branch: one section per version, one release
// commit per version on the remote, whatever failed before.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, runOrThrow } from "../lib/infra/exec.js";
import { BOT_IDENTITY } from "./bot-identity.js";
import { releaseError } from "./errors.js";

/** The version a `## ` heading is for: `## 1.0.0 (2026-01-01)`, `## [1.0.0](https://…) (…)`. */
function headingVersion(line: string): string | undefined {
  return /^##\s+\[?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]?/.exec(line)?.[1];
}

/**
 * Keeps the first (newest, since notes are prepended) section of each
 * version and drops any later one: a re-run after a failed push writes the
 * section again, and it replaces the old one instead of adding a second.
 */
export function dedupeChangelog(text: string): string {
  const lines = text.split("\n");
  const seen = new Set<string>();
  const out: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^##\s/.test(line)) {
      const v = headingVersion(line);
      dropping = v !== undefined && seen.has(v);
      if (v) seen.add(v);
    } else if (/^#\s/.test(line)) {
      dropping = false;
    }
    if (!dropping) out.push(line);
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** Rewrites the file when it has a repeated section; returns whether it did. */
export function dedupeChangelogFile(file: string): boolean {
  const before = readFileSync(file, "utf8");
  const after = dedupeChangelog(before);
  if (after === before) return false;
  writeFileSync(file, after);
  return true;
}

/** The release whose CHANGELOG.md section is committed, and where its branch is pushed. */
export interface ChangelogRelease {
  cwd: string;
  env: NodeJS.ProcessEnv;
  version: string;
  /** The release tag, e.g. v1.4.0. */
  tag: string;
  /** The release branch, e.g. main. */
  branch: string;
  /** Where the branch is pushed: semantic-release's repositoryUrl. */
  remote: string;
  log: (msg: string) => void;
}

/**
 * CHANGELOG.md as the release leaves it: an earlier run's section of this
 * version dropped, and when the file changed, committed and pushed.
 */
export async function commitChangelog(r: ChangelogRelease): Promise<void> {
  const file = join(r.cwd, "CHANGELOG.md");
  if (!existsSync(file)) return;
  if (dedupeChangelogFile(file))
    r.log(`CHANGELOG.md had an older ${r.version} section (an earlier run's); replaced it`);
  const status = await runOrThrow("git", ["status", "--porcelain", "--", "CHANGELOG.md"], { cwd: r.cwd });
  if (status.stdout.trim()) await commitAndPushChangelog(r);
}

/**
 * Commits CHANGELOG.md and pushes the branch. semantic-release pushes only
 * the tag, so the branch must carry the release commit too. When the push
 * fails (rejected, or another run won a race), the local commit is undone, so
 * that a re-run in this clone does not push a second release commit.
 */
async function commitAndPushChangelog(r: ChangelogRelease): Promise<void> {
  const env = { ...BOT_IDENTITY, ...r.env };
  const before = (await runOrThrow("git", ["rev-parse", "HEAD"], { cwd: r.cwd })).stdout.trim();
  await runOrThrow("git", ["add", "CHANGELOG.md"], { cwd: r.cwd, env });
  await runOrThrow("git", ["commit", "--no-verify", "-q", "-m", `chore(release): ${r.tag} [skip ci]\n\n${r.version}`], {
    cwd: r.cwd,
    env,
  });
  const push = await run("git", ["push", "-q", r.remote, `HEAD:refs/heads/${r.branch}`], { cwd: r.cwd, env });
  if (push.code !== 0) {
    // --keep: back to the commit before, CHANGELOG.md included (it has no other local edit).
    const reset = await run("git", ["reset", "-q", "--keep", before], { cwd: r.cwd, env });
    throw releaseError("EPUSHCHANGELOG", {
      tag: r.tag,
      branch: r.branch,
      why: push.stderr.trim().split("\n").slice(-1)[0] || `git exit ${push.code}`,
      undone: reset.code === 0,
      undoError: reset.stderr.trim(),
      before,
    });
  }
  r.log(`committed and pushed CHANGELOG.md for ${r.tag}`);
}

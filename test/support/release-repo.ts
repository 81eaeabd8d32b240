// A throwaway copy of this repository for release tests: the files git
// knows about (tracked or new, minus test/), node_modules linked to ours,
// its own git history, and a bare repo as origin at a file:// URL.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../scripts/lib/repo.js";

export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "Release Test",
  GIT_AUTHOR_EMAIL: "release-test@example.invalid",
  GIT_COMMITTER_NAME: "Release Test",
  GIT_COMMITTER_EMAIL: "release-test@example.invalid",
};

/** Our environment minus anything that would make a child think it runs in CI, or publish somewhere real. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(CI|CONTINUOUS_INTEGRATION|BUILD_NUMBER|RUN_ID|GITHUB_.*|GH_TOKEN|NPM_TOKEN|NODE_AUTH_TOKEN|npm_config_registry|NODE_TEST_CONTEXT)$/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...GIT_IDENTITY, HUSKY: "0", GIT_CONFIG_NOSYSTEM: "1", ...extra };
}

export interface ReleaseRepo {
  root: string;
  dir: string;
  originDir: string;
  originUrl: string;
  git(...args: string[]): string;
  /** git in the bare origin. */
  origin(...args: string[]): string;
  write(path: string, content: string): void;
  read(path: string): string;
  edit(path: string, from: string | RegExp, to: string): void;
  commit(message: string): string;
  cleanup(): void;
}

/** Files of this repo to copy: tracked and untracked-but-not-ignored, without the tests. */
function sourceFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" });
  return out.split("\0").filter((f) => f && !f.startsWith("test/") && !f.startsWith(".husky/"));
}

export function makeReleaseRepo(): ReleaseRepo {
  const root = mkdtempSync(join(tmpdir(), "release-e2e-"));
  const dir = join(root, "work");
  const originDir = join(root, "origin.git");
  for (const f of sourceFiles()) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      cpSync(join(repoRoot, f), join(dir, f));
    } catch (err) {
      // A file deleted in the working tree but still tracked: nothing to copy.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  const env = cleanEnv();
  const gitIn = (cwd: string) => (...args: string[]) =>
    execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  const git = gitIn(dir);
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", originDir], { env });
  git("init", "-q", "-b", "main");
  // The repo ignores node_modules/ (directories); the link to ours is a symlink, which that pattern misses.
  writeFileSync(join(dir, ".git", "info", "exclude"), "/node_modules\n");
  git("add", "-A");
  git("commit", "-q", "-m", "chore: import the schema repository");
  const originUrl = pathToFileURL(originDir).href;
  git("remote", "add", "origin", originUrl);
  git("push", "-q", "-u", "origin", "main");
  const repo: ReleaseRepo = {
    root,
    dir,
    originDir,
    originUrl,
    git,
    origin: gitIn(originDir),
    write(p, c) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), c);
    },
    read: (p) => readFileSync(join(dir, p), "utf8"),
    edit(p, from, to) {
      const before = repo.read(p);
      const after = before.replace(from, to);
      if (after === before) throw new Error(`edit: ${String(from)} not found in ${p}`);
      repo.write(p, after);
    },
    commit(message) {
      git("add", "-A");
      git("commit", "-q", "-m", message);
      git("push", "-q", "origin", "main");
      return git("rev-parse", "HEAD");
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  return repo;
}

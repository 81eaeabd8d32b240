// A throwaway copy of this repository for release tests: a temp repo (see
// temp-repo.ts) holding every file git knows about here (tracked or new,
// minus test/), with a bare repo as origin at a file:// URL; commit() pushes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../scripts/lib/infra/repo.js";
import { GIT_ENV, makeTempRepo, type TempRepo } from "./temp-repo.js";

/** Our environment minus anything that would make a child think it runs in CI, or publish somewhere real. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(CI|CONTINUOUS_INTEGRATION|BUILD_NUMBER|RUN_ID|GITHUB_.*|GH_TOKEN|NPM_TOKEN|NODE_AUTH_TOKEN|npm_config_registry|NODE_TEST_CONTEXT)$/i.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  return { ...env, ...GIT_ENV, ...extra };
}

export interface ReleaseRepo extends TempRepo {
  /** A temp dir beside the working copy, holding origin.git; tests may put more there. */
  root: string;
  originUrl: string;
  /** git in the bare origin. */
  origin(...args: string[]): string;
}

/** Files of this repo to copy: tracked and untracked-but-not-ignored, without the tests and hooks. */
function sourceFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return out.split("\0").filter((f) => f && !f.startsWith("test/") && !f.startsWith(".husky/"));
}

export function makeReleaseRepo(): ReleaseRepo {
  const work = makeTempRepo({ paths: sourceFiles() });
  const root = mkdtempSync(join(tmpdir(), "release-e2e-"));
  const originDir = join(root, "origin.git");
  const env = cleanEnv();
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", originDir], { env });
  const originUrl = pathToFileURL(originDir).href;
  work.git("remote", "add", "origin", originUrl);
  work.git("push", "-q", "-u", "origin", "main");
  return {
    ...work,
    root,
    originUrl,
    origin: (...args) =>
      execFileSync("git", args, { cwd: originDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim(),
    commit(message) {
      const sha = work.commit(message);
      work.git("push", "-q", "origin", "main");
      return sha;
    },
    cleanup() {
      work.cleanup();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

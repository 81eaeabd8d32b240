// A throwaway git repository holding a copy of this repo's schema tooling
// (proto/, buf and Biome configs, scripts/, package.json) with node_modules linked, so
// tests run the real scripts and the real buf against real git history.
import { execFileSync, spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  readFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot } from "../../scripts/lib/infra/repo.js";

export const GIT_ENV = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  HUSKY: "0",
};

const DEFAULT_PATHS = [
  "proto",
  "biome.jsonc",
  "buf.yaml",
  "buf.gen.yaml",
  "package.json",
  "tsconfig.json",
  "tsconfig.base.json",
  "scripts",
];

export interface TempRepo {
  dir: string;
  git(...args: string[]): string;
  write(path: string, content: string): void;
  read(path: string): string;
  /** Replaces the first match of `from` in a file; throws if there is none, so a test never edits nothing. */
  edit(path: string, from: string | RegExp, to: string): void;
  commit(message: string): string;
  /** Runs a repo script (scripts/<name>.ts) with tsx in this repo; never throws. */
  script(name: string, args?: string[], env?: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string };
  cleanup(): void;
}

export function makeTempRepo(opts: { paths?: string[]; extraPaths?: string[] } = {}): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), "schema-repo-"));
  for (const p of [...(opts.paths ?? DEFAULT_PATHS), ...(opts.extraPaths ?? [])]) {
    if (existsSync(join(repoRoot, p))) cpSync(join(repoRoot, p), join(dir, p), { recursive: true });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  // Appended: a copied .gitignore keeps its rules (its node_modules/ misses the symlink).
  appendFileSync(join(dir, ".gitignore"), "node_modules\n");
  const env = { ...process.env, ...GIT_ENV };
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "feat: initial schemas");
  const repo: TempRepo = {
    dir,
    git,
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
      return git("rev-parse", "HEAD");
    },
    script(name, args = [], extraEnv = {}) {
      // spawnSync, not execFileSync: a passing script's stderr matters too (warnings).
      const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, "scripts", `${name}.ts`), ...args], {
        cwd: dir,
        env: { ...env, ...extraEnv },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return repo;
}

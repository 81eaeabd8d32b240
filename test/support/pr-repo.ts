// A throwaway git repo holding this repo's schema tooling (package.json,
// buf config, scripts/, proto/) with node_modules linked, so a test can make
// commits on a branch and run the real npm scripts against them, as a PR would.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { run, runOrThrow, type RunResult } from "../../scripts/lib/exec.js";
import { repoRoot } from "../../scripts/lib/repo.js";

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

/** The environment of a local run: no GitHub event, no approval, no hooks. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV, HUSKY: "0", ...extra };
  for (const k of ["GITHUB_EVENT_PATH", "BREAKING_APPROVED", "GITHUB_BASE_REF", "GITHUB_STEP_SUMMARY"]) if (!(k in extra)) delete env[k];
  // npm run sets these for its children; they would point back at this repo.
  for (const k of Object.keys(env)) if (k.startsWith("npm_")) delete env[k];
  return env;
}

export class PrRepo {
  private constructor(readonly dir: string) {}

  /** Copies `paths` (relative to the repo root) into a new git repo and commits them on main. */
  static async create(paths: string[] = ["package.json", "buf.yaml", "buf.gen.yaml", "scripts", "proto"]): Promise<PrRepo> {
    const dir = mkdtempSync(join(tmpdir(), "pr-repo-"));
    for (const p of paths) cpSync(join(repoRoot, p), join(dir, p), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, ".gitignore"), "node_modules\n");
    const repo = new PrRepo(dir);
    await repo.git("init", "-q", "-b", "main");
    await repo.commitAll("chore: base");
    return repo;
  }

  git(...args: string[]): Promise<RunResult> {
    return runOrThrow("git", args, { cwd: this.dir, env: cleanEnv() });
  }

  async commitAll(message: string): Promise<void> {
    await this.git("add", "-A");
    await this.git("commit", "-q", "--allow-empty", "-m", message);
  }

  /** A new branch from main, as a PR starts. */
  async branch(name: string): Promise<void> {
    await this.git("checkout", "-q", "-b", name, "main");
  }

  read(rel: string): string {
    return readFileSync(join(this.dir, rel), "utf8");
  }

  write(rel: string, text: string): void {
    mkdirSync(dirname(join(this.dir, rel)), { recursive: true });
    writeFileSync(join(this.dir, rel), text);
  }

  /** Rewrites a file, failing loudly when the text to replace is not there. */
  edit(rel: string, from: string | RegExp, to: string): void {
    const text = this.read(rel);
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${rel}: ${from} not found`);
    this.write(rel, next);
  }

  /** `npm run <script> -- <args>` in the repo. */
  npm(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
    return run("npm", ["run", "-s", script, ...(args.length ? ["--", ...args] : [])], { cwd: this.dir, env: cleanEnv(env) });
  }

  /** Writes a GitHub pull_request event payload and returns its path, for GITHUB_EVENT_PATH. */
  event(pr: { body?: string | null; labels?: string[]; title?: string }): string {
    const path = join(this.dir, ".git", `event-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      path,
      JSON.stringify({ action: "labeled", pull_request: { title: pr.title ?? "feat: x", body: pr.body ?? null, labels: (pr.labels ?? []).map((name) => ({ name })) } }),
    );
    return path;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { delimiter, join, sep } from "node:path";
import { repoRoot } from "./repo.js";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Stream the child's output to ours as well as capturing it. */
  echo?: boolean;
  /** Called with each chunk of the child's output as it arrives (as well as capturing it). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

/** Runs a command without a shell and captures its output; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? repoRoot,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (opts.echo) process.stdout.write(d);
      opts.onStdout?.(d);
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
      opts.onStderr?.(d);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    if (opts.input !== undefined && child.stdin) {
      // A child that exits without reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => {});
      child.stdin.end(opts.input);
    }
  });
}

/** Like run, but rejects with the command's own output when it fails. */
export async function runOrThrow(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const out = (r.stderr + r.stdout).trim();
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}${out ? `:\n${out}` : ""}`);
  }
  return r;
}

/** Path of a binary installed by npm in the repo, e.g. bin("buf"). */
export function bin(name: string, root = repoRoot): string {
  return join(root, "node_modules", ".bin", name);
}

/**
 * The npm that runs this script, for installs: never the release's pinned
 * npm 10 in node_modules/.bin (scripts/release/npm.ts says why the release
 * pins it), which rejects our package.json "overrides" on install:
 * npm_execpath when npm started us, else the first npm on PATH outside node_modules.
 */
export function npmCommand(): { cmd: string; prefix: string[] } {
  const execpath = process.env.npm_execpath;
  const local = existsSync(join(repoRoot, "node_modules")) ? realpathSync(join(repoRoot, "node_modules")) : undefined;
  if (execpath && /npm-cli\.js$/.test(execpath) && !(local && realpathSync(execpath).startsWith(local + sep))) {
    return { cmd: process.execPath, prefix: [execpath] };
  }
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d && !d.includes("node_modules"));
  for (const d of dirs) {
    const candidate = join(d, "npm");
    if (existsSync(candidate)) return { cmd: candidate, prefix: [] };
  }
  return { cmd: "npm", prefix: [] };
}

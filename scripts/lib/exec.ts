import { spawn } from "node:child_process";
import { join } from "node:path";
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
}

/** Runs a command without a shell and captures its output; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? repoRoot,
      env: opts.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (opts.echo) process.stdout.write(d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    // A child that exits without reading its input closes the pipe first: that is not an error.
    child.stdin.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") reject(err);
    });
    child.stdin.end(opts.input ?? "");
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

// Running the repository's tools (buf, protoc) from a test: no shell, the
// output captured, and a failure that shows what the tool printed.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./repo.js";

/** Path of a binary npm installed in the repository, e.g. bin("buf"). */
export function bin(name: string): string {
  return join(repoRoot, "node_modules", ".bin", name);
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` and resolves with its exit code and output, whatever the code; rejects only when it cannot start. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // No output limit: a tool's whole output is the test's evidence.
    const child = execFile(cmd, args, { cwd: opts.cwd ?? repoRoot, maxBuffer: Infinity }, (err, stdout, stderr) => {
      // A string code ("ENOENT") means it never ran; killed by a signal, it has no exit code.
      if (typeof err?.code === "string") return reject(err);
      resolve({ code: err ? (err.code ?? 128) : 0, stdout, stderr });
    });
    // Nothing to read: a tool that waits for input gets end-of-file, not a hang.
    child.stdin?.end();
  });
}

/** Like run, but a non-zero exit rejects with the command and what it printed. */
export async function runOrThrow(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<Ran> {
  const r = await run(cmd, args, opts);
  if (r.code === 0) return r;
  throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
}

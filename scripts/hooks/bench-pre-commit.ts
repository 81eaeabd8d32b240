// npm run bench:pre-commit: how long the pre-commit hook takes on this repo,
// run the way husky runs it (node --import tsx, in a clone), with one staged
// .proto file and with every .proto file staged. Target: under 2 s.
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runIfEntryPoint } from "../lib/infra/entry.js";
import { repoRoot } from "../lib/infra/repo.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

/** Runs the hook RUNS times in the clone `dir` and prints the median, min and max. */
function time(dir: string, label: string): void {
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    execFileSync(process.execPath, ["--import", "tsx", "scripts/hooks/pre-commit.ts"], { cwd: dir, stdio: "inherit" });
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const f = (n: number) => `${Math.round(n)} ms`;
  console.log(
    `${label}: median ${f(ms[Math.floor(ms.length / 2)])}, min ${f(ms[0])}, max ${f(ms[ms.length - 1])} (${RUNS} runs)`,
  );
}

function main(): number {
  const dir = mkdtempSync(join(tmpdir(), "bench-pre-commit-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  try {
    execFileSync("git", ["clone", "-q", "--local", repoRoot, dir]);
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
    const protos = git("ls-files", "proto")
      .split("\n")
      .filter((f) => f.endsWith(".proto"));
    appendFileSync(join(dir, protos[0]), "// bench\n");
    git("add", protos[0]);
    time(dir, `1 staged .proto file (${protos[0]})`);
    for (const p of protos) appendFileSync(join(dir, p), "// bench\n");
    git("add", "proto");
    time(dir, `all ${protos.length} .proto files staged`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

runIfEntryPoint(import.meta.url, "bench:pre-commit", main);

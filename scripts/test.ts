// npm test [-- <filter>...]: runs every *.test.ts under test/ and
// packages/*/test/ with Node's test runner (through tsx for TypeScript).
// A filter keeps the files whose path contains it.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./lib/repo.js";

function findTests(dir: string, out: string[]): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) findTests(p, out);
    else if (e.name.endsWith(".test.ts")) out.push(relative(repoRoot, p));
  }
  return out;
}

const filters = process.argv.slice(2);
const roots = [join(repoRoot, "test"), ...readdirSync(join(repoRoot, "packages")).map((p) => join(repoRoot, "packages", p, "test"))];
const files = roots.flatMap((r) => findTests(r, [])).filter((f) => !filters.length || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error(`test: no test files match ${filters.join(" ") || "(all)"}`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, "--test-reporter=spec", ...files],
  { cwd: repoRoot, stdio: "inherit" },
);
child.on("close", (code) => process.exit(code ?? 1));

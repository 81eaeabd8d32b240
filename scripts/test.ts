// npm test [-- <filter>...]: runs every *.test.ts under test/ and
// packages/*/test/ with Node's test runner (through tsx for TypeScript).
// A filter keeps the files whose path contains it.
// npm run test:quick [-- <filter>...]: the same without SLOW_TEST_FILES, for
// the inner loop.
// No timeout is set, per file or per test (Node's default is none): a slow
// machine makes the suite slow, never red; CI's job limit is the only clock.
// The whole run's duration is printed at the end.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./lib/infra/repo.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

/**
 * What `test:quick` leaves out: the end-to-end files (temporary git repos, buf
 * over the whole tree, npm installs, verdaccio, Chromium). Decided by
 * measuring each file once (2 shared cores, load 10–19): these take 20 s to
 * several minutes, everything else 1.5–15 s. test/test-runner.test.ts checks
 * that each still exists.
 */
export const SLOW_TEST_FILES = [
  "test/examples/browser-greeter.test.ts",
  "packages/protoc-gen-doc/test/model.test.ts",
  "packages/protoc-gen-doc/test/site-googleapis.test.ts",
  "packages/protoc-gen-doc/test/site.test.ts",
  "test/breaking-verdicts.test.ts",
  "test/breaking.test.ts",
  "test/commit-conventions.test.ts",
  "test/commit-hooks.test.ts",
  "test/docs-publish.test.ts",
  "test/engines.test.ts",
  "test/generated.test.ts",
  "test/lint.test.ts",
  "test/new-service.test.ts",
  "test/package-build.test.ts",
  "test/packaging.test.ts",
  "test/pr-flow.test.ts",
  "test/proto-deps.test.ts",
  "test/release-docs.test.ts",
  "test/release-github.test.ts",
  "test/release.e2e.test.ts",
];

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

/** Every test file, repo-relative and sorted. */
export function listTestFiles(root = repoRoot): string[] {
  const roots = [
    join(root, "test"),
    ...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "test")),
  ];
  return roots.flatMap((r) => findTests(r, [])).sort();
}

/** The files a run takes: those matching any filter (all without one), minus the slow ones for --quick. */
export function selectTestFiles(all: string[], filters: string[], quick: boolean): string[] {
  return all.filter(
    (f) => (!filters.length || filters.some((x) => f.includes(x))) && !(quick && SLOW_TEST_FILES.includes(f)),
  );
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

function main(): Promise<number> | number {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const filters = args.filter((a) => a !== "--quick");
  const files = selectTestFiles(listTestFiles(), filters, quick);
  if (files.length === 0) {
    console.error(
      `test: no test files match ${filters.join(" ") || "(all)"}${quick ? " outside the slow ones (try npm test)" : ""}`,
    );
    return 1;
  }
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
      "--test-reporter=spec",
      ...files,
    ],
    { cwd: repoRoot, stdio: "inherit" },
  );
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      const verdict = code === 0 ? "passed" : `failed (${signal ?? `exit ${code}`})`;
      console.log(
        `\ntest: ${files.length} files${quick ? " (quick)" : ""} ${verdict} in ${formatDuration(performance.now() - started)}`,
      );
      resolve(code ?? 1);
    }),
  );
}

runIfEntryPoint(import.meta.url, "test", main);

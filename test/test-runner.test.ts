// The test runner (scripts/test.ts) and the rules every test file keeps: no
// clock tighter than CI's own can fail a test, `npm run test:quick` leaves out
// only files that exist, and a run reports its duration.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { listTestFiles, selectTestFiles, SLOW_TEST_FILES } from "../scripts/test.js";

const exec = promisify(execFile);
/** CI's job limit: no test may carry a tighter one. */
const CI_LIMIT_MS = 90 * 60_000;

test("every file test:quick leaves out exists, and the quick set is the rest", () => {
  const all = listTestFiles();
  for (const f of SLOW_TEST_FILES)
    assert.ok(all.includes(f), `${f} is listed as slow in scripts/test.ts but does not exist`);
  const quick = selectTestFiles(all, [], true);
  assert.deepEqual(
    quick,
    all.filter((f) => !SLOW_TEST_FILES.includes(f)),
  );
  assert.ok(quick.includes("test/test-runner.test.ts") && quick.includes("packages/balancer/test/balancer.test.ts"));
  assert.deepEqual(selectTestFiles(all, ["grpc-health"], false), [
    "packages/grpc-health/test/health-service.test.ts",
    "packages/grpc-health/test/status-registry.test.ts",
    "packages/grpc-health/test/wait-for-serving.test.ts",
  ]);
  assert.deepEqual(selectTestFiles(all, ["release.e2e"], true), []);
});

test("no test file sets a timeout tighter than CI's 90 minutes", () => {
  const offenders: string[] = [];
  for (const f of listTestFiles()) {
    const src = readFileSync(join(repoRoot, f), "utf8");
    // `timeout: N` in an object literal, as node:test, Playwright and most libraries spell it
    // (not prose such as a test named "handshake timeout: 50 connections", and not the timeoutMs
    // options of our own APIs, which are the code under test).
    for (const m of src.matchAll(/\btimeout\s*:\s*([\d_]+)\s*[,}]/g)) {
      if (Number(m[1].replace(/_/g, "")) < CI_LIMIT_MS)
        offenders.push(`${f}:${src.slice(0, m.index).split("\n").length}: ${m[0]}`);
    }
  }
  assert.deepEqual(offenders, [], "wait for events instead; a slow machine must not fail a test");
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
  for (const name of ["test", "test:quick"]) assert.doesNotMatch(pkg.scripts[name], /--test-timeout/);
  assert.doesNotMatch(readFileSync(join(repoRoot, "scripts/test.ts"), "utf8"), /"--test-timeout/);
});

test("a run reports how many files it ran and how long it took", async () => {
  const tsx = join(repoRoot, "node_modules/tsx/dist/cli.mjs");
  const { stdout } = await exec(
    process.execPath,
    [tsx, "scripts/test.ts", "--quick", "grpc-health/test/status-registry"],
    { cwd: repoRoot },
  );
  assert.match(stdout, /\ntest: 1 files \(quick\) passed in \d+ s\n$/);
  const none = await exec(process.execPath, [tsx, "scripts/test.ts", "--quick", "release.e2e"], {
    cwd: repoRoot,
  }).catch((e: { code: number; stderr: string }) => e);
  assert.equal((none as { code: number }).code, 1);
  assert.match(
    (none as { stderr: string }).stderr,
    /no test files match release\.e2e outside the slow ones \(try npm test\)/,
  );
});

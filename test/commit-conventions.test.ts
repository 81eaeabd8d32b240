// One commit, one change, read the same way by commitlint and by
// semantic-release: a header naming two changes used to become a garbled
// CHANGELOG line (`**scaffold): CODEOWNERS per domain; test(scaffold:**`).
// commitlint runs as the commit-msg hook runs it; the release notes come from
// the plugins as release.config.mjs configures them.
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { bin, run } from "../scripts/lib/infra/exec.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";

const TWO_CHANGES =
  "feat(greeter): CODEOWNERS per domain; test(greeter): new:service lints, generates, builds and packs";

const commitlint = (message: string) => run(bin("commitlint"), [], { input: `${message}\n` });

test("commitlint refuses a header that names two changes, and says how to fix it", async () => {
  const refused = [TWO_CHANGES, "fix(greeter): one thing; docs: another"];
  const accepted = [
    "feat(greeter): add a greeting style",
    "fix(httpgrpc): keep (parenthesised) words",
    "feat(payments)!: drop the v0 fields",
    "docs: how to fix: the short version",
  ];
  const results = await Promise.all([...refused, ...accepted].map(commitlint));
  refused.forEach((message, i) => {
    const r = results[i];
    assert.equal(r.code, 1, `${message}\n${r.stdout}`);
    assert.match(
      r.stdout,
      /subject must name one change: split it into one commit per type\(scope\)[^\n]*\[subject-one-change\]/,
    );
    assert.doesNotMatch(r.stdout, /scope must be one of/, "the scope is read as greeter, a valid one");
  });
  accepted.forEach((message, i) => {
    const r = results[refused.length + i];
    assert.equal(r.code, 0, `${message}\n${r.stdout}`);
  });
});

interface ReleaseConfig {
  plugins: (string | [string, Record<string, unknown>])[];
}

/** A plugin as release.config.mjs configures it: its config, and the plugin (untyped: imported by name). */
async function plugin<T>(name: string): Promise<{ config: Record<string, unknown>; plugin: T }> {
  const config = (
    (await import(pathToFileURL(join(repoRoot, "release.config.mjs")).href)) as { default: ReleaseConfig }
  ).default;
  const entry = config.plugins.find((p) => Array.isArray(p) && p[0] === name) as
    | [string, Record<string, unknown>]
    | undefined;
  assert.ok(entry, `${name} in release.config.mjs`);
  return { config: entry[1], plugin: (await import(name)) as T };
}

test("release notes: a two-change header already on main keeps its scope, and a merge subject is left out", async () => {
  // Commits as they are in this repo's history (before commitlint refused them), and a merge.
  const commits = [
    {
      hash: "a".repeat(40),
      message: "feat(scaffold): CODEOWNERS per domain; test(scaffold): new:service lints, generates, builds and packs",
    },
    { hash: "b".repeat(40), message: "Merge pull request #7 from acme/scaffold" },
    { hash: "c".repeat(40), message: "fix(httpgrpc): keep (parenthesised) words" },
  ];
  const silent = { log() {}, error() {}, success() {}, warn() {} };
  const context = {
    cwd: repoRoot,
    commits,
    logger: silent,
    lastRelease: {},
    nextRelease: { version: "1.0.0", gitTag: "v1.0.0", gitHead: "a".repeat(40) },
    options: { repositoryUrl: "file:///tmp/schemas.git" },
  };
  const notesGenerator = await plugin<{ generateNotes(config: object, context: object): Promise<string> }>(
    "@semantic-release/release-notes-generator",
  );
  const notes = await notesGenerator.plugin.generateNotes(notesGenerator.config, context);
  assert.match(
    notes,
    /^\* \*\*scaffold:\*\* CODEOWNERS per domain; test\(scaffold\): new:service lints, generates, builds and packs/m,
  );
  assert.match(notes, /^\* \*\*httpgrpc:\*\* keep \(parenthesised\) words/m);
  assert.doesNotMatch(notes, /\*\*scaffold\)|test\(scaffold:\*\*|Merge pull request/, "the old garbled form");
  const analyzer = await plugin<{ analyzeCommits(config: object, context: object): Promise<string | null> }>(
    "@semantic-release/commit-analyzer",
  );
  assert.equal(await analyzer.plugin.analyzeCommits(analyzer.config, context), "minor");
});

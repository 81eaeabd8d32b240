// What approves a breaking change: the PR label or a BREAKING CHANGE: line in
// the PR description, read from the GitHub event payload; nothing else.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { approvalFromEvent, breakingApproval } from "../scripts/lib/schema/breaking-approval.js";

const pr = (body: string | null, labels: string[] = []) => ({
  pull_request: { body, labels: labels.map((name) => ({ name })) },
});

test("approved by the label, or by a BREAKING CHANGE line (either spelling, CRLF, indented)", () => {
  assert.deepEqual(approvalFromEvent(pr(null, ["bug", "breaking-change-approved"])), {
    approved: true,
    reason: "the PR has the label breaking-change-approved",
  });
  for (const body of [
    "BREAKING CHANGE: drops x",
    "Intro\r\n\r\nBREAKING CHANGE: drops x\r\n",
    "a\n  BREAKING-CHANGE: drops x",
  ]) {
    assert.equal(approvalFromEvent(pr(body)).approved, true, JSON.stringify(body));
  }
});

test("not approved by a mention, an empty footer, a hidden line, a look-alike label, or a non-PR event", () => {
  const bodies = [
    null,
    "",
    "No BREAKING CHANGE: here",
    "BREAKING CHANGE:",
    "breaking change: lower case",
    "<!--\nBREAKING CHANGE: hint in a comment\n-->",
    "text <!-- BREAKING CHANGE: x --> more",
    "<!-- unterminated\nBREAKING CHANGE: x",
  ];
  for (const body of bodies) assert.equal(approvalFromEvent(pr(body)).approved, false, JSON.stringify(body));
  assert.equal(approvalFromEvent(pr(null, ["breaking-change", "approved"])).approved, false);
  assert.equal(approvalFromEvent({}).approved, false);
});

test("--approved and BREAKING_APPROVED approve locally; a missing payload file is a clear error", () => {
  assert.equal(breakingApproval(true, {}).approved, true);
  assert.equal(breakingApproval(false, { BREAKING_APPROVED: "1" }).approved, true);
  assert.equal(breakingApproval(false, { BREAKING_APPROVED: "0" }).approved, false);
  assert.equal(breakingApproval(false, {}).approved, false);
  const dir = mkdtempSync(join(tmpdir(), "event-"));
  try {
    const path = join(dir, "event.json");
    writeFileSync(path, JSON.stringify(pr("BREAKING CHANGE: x")));
    assert.equal(breakingApproval(false, { GITHUB_EVENT_PATH: path }).approved, true);
    assert.throws(
      () => breakingApproval(false, { GITHUB_EVENT_PATH: join(dir, "missing.json") }),
      /cannot read the GitHub event payload GITHUB_EVENT_PATH=.*missing\.json/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

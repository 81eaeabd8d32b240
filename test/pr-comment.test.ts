// The PR workflow's comment step (.github/scripts/upsert-summary-comment.cjs)
// against a mock of the GitHub REST API: one comment, updated in place.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { SUMMARY_MARKER } from "../scripts/lib/schema/pr-summary.js";

const require = createRequire(import.meta.url);
const upsert = require("../.github/scripts/upsert-summary-comment.cjs") as (args: {
  github: unknown;
  context: unknown;
  body: string;
  marker: string;
}) => Promise<{ action: string; id: number }>;

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}

/** Just enough of octokit: paginate over listComments (2 per page, to exercise paging), create, update. */
function mockGithub(comments: Comment[]) {
  const calls: string[] = [];
  let next = 1000;
  const rest = {
    issues: {
      listComments: async ({ page = 1, per_page }: { page?: number; per_page: number }) => {
        calls.push(`list page ${page}`);
        const size = Math.min(per_page, 2);
        return { data: comments.slice((page - 1) * size, page * size) };
      },
      createComment: async ({ issue_number, body }: { issue_number: number; body: string }) => {
        calls.push(`create on #${issue_number}`);
        const c = { id: next++, body, user: { login: "github-actions[bot]" } };
        comments.push(c);
        return { data: c };
      },
      updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
        calls.push(`update ${comment_id}`);
        comments.find((c) => c.id === comment_id)!.body = body;
        return { data: {} };
      },
    },
  };
  const paginate = async (fn: typeof rest.issues.listComments, params: { per_page: number }) => {
    const all: Comment[] = [];
    for (let page = 1; ; page++) {
      const { data } = await fn({ ...params, page });
      all.push(...data);
      if (data.length === 0) return all;
    }
  };
  return { github: { rest, paginate }, calls, comments };
}

const context = { repo: { owner: "acme", repo: "schemas" }, issue: { number: 7 } };
const summary = (text: string) => `${SUMMARY_MARKER}\n## Schema change summary\n\n${text}\n`;

test("creates the summary comment when the PR has none, then updates that one in place", async () => {
  const m = mockGithub([
    { id: 1, body: "LGTM", user: { login: "alice" } },
    { id: 2, body: "nit", user: { login: "bob" } },
    { id: 3, body: "more", user: { login: "alice" } },
  ]);
  const first = await upsert({ github: m.github, context, body: summary("minor"), marker: SUMMARY_MARKER });
  assert.equal(first.action, "created");
  assert.ok(m.calls.includes("create on #7"));

  const second = await upsert({ github: m.github, context, body: summary("major"), marker: SUMMARY_MARKER });
  assert.deepEqual(second, { action: "updated", id: first.id });
  const ours = m.comments.filter((c) => c.body.startsWith(SUMMARY_MARKER));
  assert.equal(ours.length, 1, "exactly one summary comment");
  assert.match(ours[0].body, /major/);
  // The bot comment sits on page 2: paging was followed.
  assert.ok(m.calls.includes("list page 2"));
});

test("never edits someone else's comment that quotes the marker", async () => {
  const m = mockGithub([{ id: 5, body: `${SUMMARY_MARKER}\nfake`, user: { login: "mallory" } }]);
  const r = await upsert({ github: m.github, context, body: summary("patch"), marker: SUMMARY_MARKER });
  assert.equal(r.action, "created");
  assert.equal(m.comments.find((c) => c.id === 5)!.body, `${SUMMARY_MARKER}\nfake`);
});

test("refuses a body without the marker, which could never be found again", async () => {
  const m = mockGithub([]);
  await assert.rejects(
    upsert({ github: m.github, context, body: "## no marker", marker: SUMMARY_MARKER }),
    /must start with its marker/,
  );
  assert.deepEqual(m.calls, []);
});

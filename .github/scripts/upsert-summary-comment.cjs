// Creates or updates the one schema-summary comment on a pull request.
// Run by .github/workflows/pr.yml through actions/github-script, in a job that
// checks out only the base branch's .github/scripts (trusted code) and never
// the PR's, because it holds a token that can write comments.
// The comment is found by the marker its body starts with, and only among
// comments written by the workflow's own bot, so nobody else's is edited.
"use strict";

const BOT = "github-actions[bot]";

/**
 * @param {{ github: any, context: { repo: { owner: string, repo: string }, issue: { number: number } }, body: string, marker: string }} args
 * @returns {Promise<{ action: "created" | "updated", id: number }>}
 */
module.exports = async function upsertSummaryComment({ github, context, body, marker }) {
  if (!body.startsWith(marker)) throw new Error(`the summary must start with its marker ${marker}`);
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
  const mine = comments.find(
    (c) => c.user && c.user.login === BOT && typeof c.body === "string" && c.body.startsWith(marker),
  );
  if (mine) {
    if (mine.body !== body) await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return { action: "updated", id: mine.id };
  }
  const created = await github.rest.issues.createComment({ owner, repo, issue_number, body });
  return { action: "created", id: created.data.id };
};

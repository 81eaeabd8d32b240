import { readFileSync } from "node:fs";

/** The PR label that approves a breaking change. */
export const APPROVAL_LABEL = "breaking-change-approved";

/** A `BREAKING CHANGE:` (or `BREAKING-CHANGE:`) line with a description, as in a conventional-commit footer. */
const BREAKING_LINE = /^[ \t]*BREAKING[ -]CHANGE:[ \t]*\S/m;

export interface Approval {
  approved: boolean;
  /** Who or what approved it, for the log; empty when not approved. */
  reason: string;
}

interface PullRequestEvent {
  pull_request?: { body?: string | null; labels?: { name?: string }[] };
}

/** Approval recorded on a pull_request event payload: the label, or a BREAKING CHANGE line in the body. */
export function approvalFromEvent(event: PullRequestEvent): Approval {
  const pr = event.pull_request;
  if (!pr) return { approved: false, reason: "" };
  if ((pr.labels ?? []).some((l) => l.name === APPROVAL_LABEL)) {
    return { approved: true, reason: `the PR has the label ${APPROVAL_LABEL}` };
  }
  // HTML comments (the PR template's hints) are invisible in the rendered description, so they do not count.
  const body = (pr.body ?? "").replace(/<!--[\s\S]*?(-->|$)/g, "");
  if (BREAKING_LINE.test(body)) return { approved: true, reason: "the PR description has a BREAKING CHANGE: line" };
  return { approved: false, reason: "" };
}

/**
 * Whether a breaking change is approved: `--approved`, BREAKING_APPROVED=1,
 * or, in GitHub Actions, the pull_request event the run belongs to. The
 * payload is read from the file GitHub names in GITHUB_EVENT_PATH, never
 * from text interpolated into a shell command, so a PR body cannot inject code.
 */
export function breakingApproval(flag: boolean, env: NodeJS.ProcessEnv = process.env): Approval {
  if (flag) return { approved: true, reason: "--approved was passed" };
  if (env.BREAKING_APPROVED === "1" || env.BREAKING_APPROVED === "true")
    return { approved: true, reason: "BREAKING_APPROVED is set" };
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return { approved: false, reason: "" };
  let event: PullRequestEvent;
  try {
    event = JSON.parse(readFileSync(path, "utf8")) as PullRequestEvent;
  } catch (err) {
    throw new Error(`cannot read the GitHub event payload GITHUB_EVENT_PATH=${path}: ${(err as Error).message}`);
  }
  return approvalFromEvent(event);
}

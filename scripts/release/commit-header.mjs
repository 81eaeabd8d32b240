// How a commit header is read, the same for commitlint (commit-msg hook, PR
// title) and for semantic-release (version bump, release notes, CHANGELOG).
// The conventionalcommits preset's scope is `(.*)`, greedy: a header naming
// two changes, `feat(scaffold): a; test(scaffold): b`, became the scope
// `scaffold): a; test(scaffold` and a garbled CHANGELOG line. A scope never
// holds a parenthesis here, so the header splits at the first `): `.

/** type(scope)!: subject, with a scope of anything but parentheses. */
export const headerPattern = /^(\w*)(?:\(([^()]*)\))?!?: (.*)$/;
/** The same with the `!` that marks a breaking change. */
export const breakingHeaderPattern = /^(\w*)(?:\(([^()]*)\))?!: (.*)$/;

/** Parser options to lay over the conventionalcommits preset's. */
export const parserOpts = { headerPattern, breakingHeaderPattern };

/** Commit types, as commitlint's conventional config knows them. */
const TYPES = ["build", "chore", "ci", "docs", "feat", "fix", "perf", "refactor", "revert", "style", "test"];

const TYPE = `(?:${TYPES.join("|")})`;
/**
 * A second conventional header inside a subject (one commit, one change): `type(scope): `
 * anywhere, or a bare `type: ` after `;` or `,`. A bare word before a colon in prose
 * ("how to fix: ...") is not one.
 */
export const secondHeader = new RegExp(`(?:^|\\W)${TYPE}\\([^()]*\\)!?: |(?:^|[;,]\\s*)${TYPE}!?: `);

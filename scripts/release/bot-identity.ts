// The git identity of the commits a release makes itself (CHANGELOG.md on the
// release branch, the docs on gh-pages). CI runners have no git identity;
// callers spread the environment after it, so an explicit one there wins.
export const BOT_IDENTITY = {
  GIT_AUTHOR_NAME: "semantic-release-bot",
  GIT_AUTHOR_EMAIL: "semantic-release-bot@martynus.net",
  GIT_COMMITTER_NAME: "semantic-release-bot",
  GIT_COMMITTER_EMAIL: "semantic-release-bot@martynus.net",
};

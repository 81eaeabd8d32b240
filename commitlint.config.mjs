// commitlint: conventional commits, with scopes derived from proto/ and
// packages/ (scripts/hooks/commit-scopes.ts), so adding a proto family adds
// its scope. Used by the commit-msg hook and by `npm run commitlint`.
// Headers are read as semantic-release reads them (scripts/release/commit-header.mjs),
// and one commit names one change: a second `type(scope): ` in the subject
// would become one garbled line in the CHANGELOG.
import createPreset from "conventional-changelog-conventionalcommits";
import { tsImport } from "tsx/esm/api";
import { parserOpts, secondHeader } from "./scripts/release/commit-header.mjs";

const { commitScopes } = await tsImport("./scripts/hooks/commit-scopes.ts", import.meta.url);
const preset = await createPreset();

export default {
  extends: ["@commitlint/config-conventional"],
  parserPreset: { parserOpts: { ...preset.parser, ...parserOpts } },
  plugins: [
    {
      rules: {
        "subject-one-change": ({ subject }) => [
          !subject || !secondHeader.test(subject),
          "subject must name one change: split it into one commit per type(scope), or reword it without a second `type(scope): `",
        ],
      },
    },
  ],
  rules: {
    "scope-enum": [2, "always", commitScopes()],
    "subject-one-change": [2, "always"],
  },
};

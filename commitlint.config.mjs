// commitlint: conventional commits, with scopes derived from proto/ and
// packages/ (scripts/hooks/commit-scopes.ts), so adding a proto family adds
// its scope. Used by the commit-msg hook and by `npm run commitlint`.
import { tsImport } from "tsx/esm/api";

const { commitScopes } = await tsImport("./scripts/hooks/commit-scopes.ts", import.meta.url);

export default {
  extends: ["@commitlint/config-conventional"],
  rules: {
    "scope-enum": [2, "always", commitScopes()],
  },
};

// npm run breaking [-- --against <ref>] [--error-format text|github-actions]
// Compares proto/ with the latest release tag (or the base branch before the
// first release) and fails listing every breaking change with file:line.
import { parseArgs } from "node:util";
import {
  BreakingCheckError,
  breakingFindings,
  formatFindingGithub,
  formatFindingText,
  pickAgainst,
} from "./lib/breaking.js";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      against: { type: "string" },
      "error-format": { type: "string", default: "text" },
    },
  });
  const format = values["error-format"];
  if (format !== "text" && format !== "github-actions") {
    throw new BreakingCheckError(`--error-format must be text or github-actions, got "${format}"`);
  }
  const against = await pickAgainst(values.against);
  const findings = await breakingFindings(against.ref);
  if (findings.length === 0) {
    console.log(`breaking: no breaking changes against ${against.ref} (${against.reason})`);
    return 0;
  }
  for (const f of findings) console.log(format === "github-actions" ? formatFindingGithub(f) : formatFindingText(f));
  console.error(
    `\nbreaking: ${findings.length} breaking change${findings.length > 1 ? "s" : ""} against ${against.ref} (${against.reason}).\n` +
      "Consumers of the generated packages would break. Add a field or rpc instead of changing one, or deprecate it;\n" +
      "to break on purpose, move to a new major package version (v2) or declare it with a `BREAKING CHANGE:` footer (see CONTRIBUTING.md).",
  );
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`breaking: ${err instanceof BreakingCheckError ? err.message : err.stack}`);
    process.exit(2);
  },
);

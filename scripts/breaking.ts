// npm run breaking [-- --against <ref>] [--error-format text|json|github-actions] [--approved]
// Compares proto/ with the latest release tag (or the base branch before the
// first release) and fails listing every breaking change with file:line.
// An approved break (--approved, BREAKING_APPROVED=1, or in a PR the label
// breaking-change-approved / a "BREAKING CHANGE:" line in the PR body) is
// reported as warnings and passes. A schema that does not compile always
// fails (exit 1), approved or not: `npm run lint` shows the error.
// Exit codes, which CI and the tests read: 0 no break (or approved), 1 breaking
// changes or a schema that does not compile, 2 the comparison could not run
// (a missing ref, a shallow clone, a bad option).
import { parseArgs } from "node:util";
import { runIfEntryPoint } from "./lib/infra/entry.js";
import { breakingApproval } from "./lib/schema/breaking-approval.js";
import {
  BreakingCheckError,
  breakingFindings,
  formatFindingGithub,
  formatFindingText,
  pickAgainst,
  SchemaCompileError,
  type BreakingFinding,
} from "./lib/schema/breaking.js";

function approvalOrThrow(flag: boolean) {
  try {
    return breakingApproval(flag);
  } catch (err) {
    throw new BreakingCheckError((err as Error).message);
  }
}

async function compare(): Promise<number> {
  const { values } = parseArgs({
    options: {
      against: { type: "string" },
      "error-format": { type: "string", default: "text" },
      approved: { type: "boolean", default: false },
      // The working tree's schema as npm run build compiled it once (scripts/lib/schema/buf-image.ts).
      image: { type: "string" },
    },
  });
  const format = values["error-format"];
  if (format !== "text" && format !== "json" && format !== "github-actions") {
    throw new BreakingCheckError(`--error-format must be text, json or github-actions, got "${format}"`);
  }
  const show = (f: BreakingFinding, level: "error" | "warning") =>
    format === "github-actions"
      ? formatFindingGithub(f, level)
      : format === "json"
        ? JSON.stringify({ ...f, level })
        : `${level === "warning" ? "warning: " : ""}${formatFindingText(f)}`;
  const against = await pickAgainst(values.against);
  let findings: BreakingFinding[];
  try {
    findings = await breakingFindings(against.ref, undefined, values.image);
  } catch (err) {
    if (!(err instanceof SchemaCompileError)) throw err;
    // Always an error: no label or flag approves a schema that cannot be compiled.
    for (const f of err.errors) console.log(show(f, "error"));
    console.error(
      `\nbreaking: ${SchemaCompileError.headline(err.errors.length, err.where)}.\n${SchemaCompileError.hint(err.errors.length)}`,
    );
    return 1;
  }
  if (findings.length === 0) {
    console.log(`breaking: no breaking changes against ${against.ref} (${against.reason})`);
    return 0;
  }
  const approval = approvalOrThrow(values.approved ?? false);
  const level = approval.approved ? "warning" : "error";
  for (const f of findings) console.log(show(f, level));
  if (approval.approved) {
    console.error(
      `\nbreaking: ${findings.length} breaking change${findings.length > 1 ? "s" : ""} against ${against.ref}, approved because ${approval.reason}.\n` +
        "The release that ships this must be a major one: keep a `BREAKING CHANGE:` footer in the squash commit (see CONTRIBUTING.md).",
    );
    return 0;
  }
  console.error(
    `\nbreaking: ${findings.length} breaking change${findings.length > 1 ? "s" : ""} against ${against.ref} (${against.reason}).\n` +
      "Consumers of the generated packages would break. Add a field or rpc instead of changing one, or deprecate it;\n" +
      "to break on purpose, move to a new major package version (v2) or approve it with the PR label breaking-change-approved or a `BREAKING CHANGE:` line in the PR description (see CONTRIBUTING.md).",
  );
  return 1;
}

/** Exit code when the comparison could not run: a missing ref, a shallow clone, a bad option. */
const EXIT_CANNOT_COMPARE = 2;

async function main(): Promise<number> {
  try {
    return await compare();
  } catch (err) {
    if (!(err instanceof BreakingCheckError)) throw err;
    console.error(`breaking: ${err.message}`);
    return EXIT_CANNOT_COMPARE;
  }
}

runIfEntryPoint(import.meta.url, "breaking", main);

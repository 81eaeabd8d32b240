// The schema-aware safety net: a release whose proto/ breaks compatibility
// with the previous release tag must be a major one. The commit messages
// decide the release type, so a break nobody declared is refused here,
// before anything is tagged or published.
import { breakingFindings, formatFindingText, type BreakingFinding } from "../lib/breaking.js";
import { listProtoPackages } from "../lib/protos.js";
import { ReleaseError } from "./errors.js";

export interface SafetyNetInput {
  /** The previous release tag, e.g. v1.4.0; undefined for the first release. */
  lastTag?: string;
  /** semantic-release's release type: major, minor, patch (or pre*). */
  releaseType: string;
  nextVersion: string;
  cwd: string;
}

/** The commit scope for a proto file: its family (proto/acme/greeter/v1/x.proto -> greeter). */
function scopeOf(path: string, cwd: string): string | undefined {
  const rel = path.replace(/^proto\//, "");
  try {
    return listProtoPackages(cwd).find((p) => p.files.includes(rel))?.family;
  } catch {
    return undefined;
  }
}

export function undeclaredBreakError(findings: BreakingFinding[], input: SafetyNetInput): ReleaseError {
  const n = findings.length;
  const scope = findings[0] ? scopeOf(findings[0].path, input.cwd) : undefined;
  return new ReleaseError(
    "EBREAKINGSCHEMA",
    `The schema has ${n} breaking change${n > 1 ? "s" : ""} since ${input.lastTag}, but the commits make this a ${input.releaseType} release (${input.nextVersion}), which must not break consumers.`,
    [
      `Breaking changes (buf breaking against ${input.lastTag}):`,
      ...findings.map((f) => `  ${formatFindingText(f)}`),
      "",
      "Nothing was tagged or published. Either:",
      `- declare the break, so this becomes a major release: mark a commit with \`!\` (e.g. \`feat${scope ? `(${scope})` : ""}!: <what changed>\`)`,
      "  or add a footer to its message: `BREAKING CHANGE: <what breaks and how to migrate>`; or",
      "- make the change compatible: add a field or rpc instead of changing one, and `reserved` the number and name of a deleted field.",
    ].join("\n"),
  );
}

/** Returns the findings (for the log) when the release may go ahead; throws when a break is undeclared. */
export async function checkSchemaSafety(input: SafetyNetInput): Promise<BreakingFinding[]> {
  if (!input.lastTag) return [];
  const findings = await breakingFindings(input.lastTag, input.cwd);
  if (findings.length && input.releaseType !== "major" && input.releaseType !== "premajor") throw undeclaredBreakError(findings, input);
  return findings;
}

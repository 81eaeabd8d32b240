// The schema-aware safety net: a release whose proto/ breaks compatibility
// with the previous release tag must be a major one. The commit messages
// decide the release type, so a break nobody declared is refused here,
// before anything is tagged or published. What counts as a break is buf's
// verdict under the repo's one stability rule (scripts/lib/schema/breaking-stability.ts).
import {
  BreakingCheckError,
  breakingFindings,
  formatFindingText,
  type BreakingFinding,
} from "../lib/schema/breaking.js";
import { familyOfDir } from "../lib/codegen/protos.js";
import { readRepoConfig } from "../lib/infra/repo.js";
import { type ReleaseError, releaseError } from "./errors.js";

export interface SafetyNetInput {
  /** The previous release tag, e.g. v1.4.0; undefined for the first release. */
  lastTag?: string;
  /** semantic-release's release type: major, minor, patch (or pre*). */
  releaseType: string;
  nextVersion: string;
  cwd: string;
}

/**
 * The commit scope for a proto file: its family (proto/acme/greeter/v1/x.proto -> greeter), from
 * its directory, which names its package (buf lint), even for a file the tree no longer has.
 */
function scopeOf(path: string, cwd: string): string | undefined {
  const dir = path
    .replace(/^proto\//, "")
    .split("/")
    .slice(0, -1)
    .join("/");
  try {
    return dir ? familyOfDir(dir, readRepoConfig(cwd).protoOrg) || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** What makes each kind of finding compatible instead, for the refusal's advice. */
function compatibleAlternatives(findings: BreakingFinding[]): string[] {
  const rules = new Set(findings.map((f) => f.rule));
  const out: string[] = [];
  if (rules.has("FILE_NO_DELETE")) {
    out.push(
      "  a deleted or renamed .proto file: keep the file at its old path (generated code imports it by that path); add new files beside it",
    );
  }
  if ([...rules].some((r) => /_NO_DELETE$/.test(r) && r !== "FILE_NO_DELETE")) {
    // Under buf's FILE category, a deleted field stays breaking even with `reserved`: the generated TypeScript loses it.
    out.push(
      "  a deleted field, rpc, message or enum value: keep it and mark it `[deprecated = true]` (`reserved` alone is still a break under the FILE rules)",
    );
  }
  if (rules.size > out.length) out.push("  a changed field or rpc: add a new one beside it and deprecate the old one");
  return out;
}

export function undeclaredBreakError(findings: BreakingFinding[], input: SafetyNetInput): ReleaseError {
  const scope = findings[0] ? scopeOf(findings[0].path, input.cwd) : undefined;
  return releaseError("EBREAKINGSCHEMA", {
    count: findings.length,
    lastTag: input.lastTag,
    releaseType: input.releaseType,
    nextVersion: input.nextVersion,
    findings: findings.map(formatFindingText),
    scope,
    alternatives: compatibleAlternatives(findings),
  });
}

/** Returns the findings (for the log) when the release may go ahead; throws when a break is undeclared. */
export async function checkSchemaSafety(input: SafetyNetInput): Promise<BreakingFinding[]> {
  if (!input.lastTag) return [];
  let findings: BreakingFinding[];
  try {
    findings = await breakingFindings(input.lastTag, input.cwd);
  } catch (err) {
    if (err instanceof BreakingCheckError)
      throw releaseError("EBREAKINGCHECK", { lastTag: input.lastTag, why: err.message });
    throw err;
  }
  if (findings.length && input.releaseType !== "major" && input.releaseType !== "premajor")
    throw undeclaredBreakError(findings, input);
  return findings;
}

import type { Approval } from "./breaking-approval.js";
import type { BreakingFinding } from "./breaking.js";
import { familyOf, isUnstableVersion } from "./protos.js";
import type { RepoConfig } from "./repo.js";
import type { ElementKind, SchemaDiff, SchemaElement } from "./schema-diff.js";

/** Marks the one PR comment the workflow keeps updating in place. */
export const SUMMARY_MARKER = "<!-- acme-schemas:pr-summary -->";

export type Bump = "major" | "minor" | "patch" | "none";

/** The proto package version segment a file path sits under is unstable (v1alpha1, v1beta1, ...). */
function inUnstablePackage(path: string): boolean {
  return path.split("/").some((seg) => isUnstableVersion(seg));
}

/**
 * The semantic version bump a change implies: major for a breaking change
 * in a stable package, minor for anything added, removed (only possible
 * without a break in an unstable package) or deprecated, patch for any other
 * schema edit (comments, options), none when no proto changed.
 */
export function impliedBump(diff: SchemaDiff, findings: BreakingFinding[]): Bump {
  if (findings.some((f) => !inUnstablePackage(f.path))) return "major";
  if (diff.added.length || diff.removed.length || diff.deprecated.length) return "minor";
  return diff.touchedPackages.length ? "patch" : "none";
}

export interface SummaryInput {
  base: { ref: string; sha: string };
  head: { ref: string; sha: string };
  diff: SchemaDiff;
  findings: BreakingFinding[];
  approval: Approval;
  config: RepoConfig;
}

const KIND_ORDER: ElementKind[] = ["service", "method", "message", "field", "enum", "enum value"];

function elementList(title: string, elements: SchemaElement[]): string[] {
  if (!elements.length) return [];
  const lines = ["", `### ${title} (${elements.length})`, ""];
  for (const kind of KIND_ORDER) {
    for (const e of elements.filter((x) => x.kind === kind)) {
      lines.push(`- ${kind} \`${e.name}\`${e.detail ? ` — \`${e.detail}\`` : ""}`);
    }
  }
  return lines;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

const BUMP_WHY: Record<Bump, string> = {
  major: "a breaking change in a stable package",
  minor: "additions or deprecations, nothing breaking",
  patch: "schema edits that change no API (comments, options)",
  none: "no .proto file changed",
};

/** The Markdown the PR comment shows. */
export function renderSummary(s: SummaryInput): string {
  const bump = impliedBump(s.diff, s.findings);
  const short = (x: { ref: string; sha: string }) => `\`${x.ref}\` (${x.sha.slice(0, 7)})`;
  const lines = [
    SUMMARY_MARKER,
    "## Schema change summary",
    "",
    `${short(s.base)} → ${short(s.head)}`,
    "",
    `**Implied version bump: ${bump}** — ${BUMP_WHY[bump]}.`,
  ];
  if (s.diff.touchedPackages.length) {
    lines.push("", "### Packages touched", "", "| proto package | npm import | stability |", "| --- | --- | --- |");
    for (const pkg of s.diff.touchedPackages) {
      const fam = familyOf(pkg, s.config.protoOrg);
      const imp = `${s.config.scope}/${fam.family}${fam.subpath === "." ? "" : fam.subpath.slice(1)}`;
      const stability = fam.version === "" ? "stable (unversioned)" : isUnstableVersion(fam.version) ? "unstable (exempt from the breaking check)" : "stable";
      lines.push(`| \`${pkg}\` | \`${imp}\` | ${stability} |`);
    }
  }
  lines.push(...elementList("Added", s.diff.added), ...elementList("Removed", s.diff.removed), ...elementList("Newly deprecated", s.diff.deprecated));
  if (s.findings.length) {
    lines.push(
      "",
      `### Breaking changes (${s.findings.length})`,
      "",
      s.approval.approved
        ? `Approved: ${s.approval.reason}. The breaking check reports these as warnings.`
        : "**Not approved: the breaking check fails.** Prefer a compatible change (add, deprecate) or a new major package version (`v2`); to break on purpose, add the label `breaking-change-approved` or a `BREAKING CHANGE: <why>` line to the PR description.",
      "",
      "| where | rule | change |",
      "| --- | --- | --- |",
      ...s.findings.map((f) => `| \`${f.path}:${f.line}\` | ${f.rule} | ${cell(f.message)} |`),
    );
    if (bump === "major") {
      lines.push(
        "",
        "The merge must release a new major version: keep a `BREAKING CHANGE:` line in the PR description, which the squash commit carries as its footer, so semantic-release cuts the major.",
      );
    }
  } else {
    lines.push("", "### Breaking changes", "", "None.");
  }
  return `${lines.join("\n")}\n`;
}

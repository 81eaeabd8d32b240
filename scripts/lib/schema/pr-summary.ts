import type { Approval } from "./breaking-approval.js";
import { isUnstablePackage } from "./breaking-stability.js";
import type { BreakingFinding } from "./breaking.js";
import { familyOf } from "../codegen/protos.js";
import type { RepoConfig } from "../infra/repo.js";
import type { ElementKind, SchemaDiff, SchemaElement } from "./schema-diff.js";

/** Marks the one PR comment the workflow keeps updating in place. */
export const SUMMARY_MARKER = "<!-- acme-schemas:pr-summary -->";

export type Bump = "major" | "minor" | "patch" | "none";

/**
 * The semantic version bump a change implies. buf decides what breaks, with
 * the repo's one stability rule (breaking-stability.ts): any finding is a
 * break in a stable package, so major. Anything added, removed, changed
 * (only possible without a finding in an unstable package) or deprecated is
 * minor; any other schema edit (comments, options) patch; none when no proto
 * changed.
 */
export function impliedBump(diff: SchemaDiff, findings: BreakingFinding[]): Bump {
  if (findings.length) return "major";
  if (diff.added.length || diff.removed.length || diff.changed.length || diff.deprecated.length) return "minor";
  return diff.touchedPackages.length ? "patch" : "none";
}

/** One side of the comparison: a commit, or the working tree on top of one. */
export interface SummarySide {
  ref: string;
  sha: string;
  /** The working tree has uncommitted changes under proto/ (or buf's config) on top of `sha`. */
  uncommitted?: boolean;
}

export interface SummaryInput {
  base: SummarySide;
  head: SummarySide;
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
  minor: "additions, deprecations or changes to unstable packages, nothing breaking",
  patch: "schema edits that change no API (comments, options)",
  none: "no .proto file changed",
};

/** The Markdown the PR comment shows. */
export function renderSummary(s: SummaryInput): string {
  const bump = impliedBump(s.diff, s.findings);
  const short = (x: SummarySide) =>
    x.uncommitted
      ? `the working tree (uncommitted changes on \`${x.ref}\`, ${x.sha.slice(0, 7)})`
      : `\`${x.ref}\` (${x.sha.slice(0, 7)})`;
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
      const stability = isUnstablePackage(pkg)
        ? "unstable (exempt from the breaking check)"
        : fam.version === ""
          ? "stable (unversioned)"
          : "stable";
      lines.push(`| \`${pkg}\` | \`${imp}\` | ${stability} |`);
    }
  }
  lines.push(
    ...elementList("Added", s.diff.added),
    ...elementList("Removed", s.diff.removed),
    ...elementList("Changed", s.diff.changed),
    ...elementList("Newly deprecated", s.diff.deprecated),
  );
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

// CHANGELOG.md on the release branch: one section per version, one release
// commit per version on the remote, whatever failed before.
import { readFileSync, writeFileSync } from "node:fs";

/** The version a `## ` heading is for: `## 1.0.0 (2026-01-01)`, `## [1.0.0](https://…) (…)`. */
function headingVersion(line: string): string | undefined {
  return /^##\s+\[?v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]?/.exec(line)?.[1];
}

/**
 * Keeps the first (newest, since notes are prepended) section of each
 * version and drops any later one: a re-run after a failed push writes the
 * section again, and it replaces the old one instead of adding a second.
 */
export function dedupeChangelog(text: string): string {
  const lines = text.split("\n");
  const seen = new Set<string>();
  const out: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^##\s/.test(line)) {
      const v = headingVersion(line);
      dropping = v !== undefined && seen.has(v);
      if (v) seen.add(v);
    } else if (/^#\s/.test(line)) {
      dropping = false;
    }
    if (!dropping) out.push(line);
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}

/** Rewrites the file when it has a repeated section; returns whether it did. */
export function dedupeChangelogFile(file: string): boolean {
  const before = readFileSync(file, "utf8");
  const after = dedupeChangelog(before);
  if (after === before) return false;
  writeFileSync(file, after);
  return true;
}

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { listFamilies } from "../lib/codegen/protos.js";
import { repoRoot } from "../lib/infra/repo.js";

/** Scopes for changes that are not about one proto family or package. */
export const REPO_SCOPES = ["build", "ci", "deps", "docs", "release"] as const;

/**
 * Every scope a commit may name: each proto family found under proto/ (so a
 * new proto package is a valid scope the moment it lands), each packages/
 * directory (hand-written runtime packages too), and the repo-wide scopes.
 */
export function commitScopes(root = repoRoot): string[] {
  const scopes = new Set<string>(REPO_SCOPES);
  for (const family of listFamilies(root).keys()) scopes.add(family);
  const pkgRoot = join(root, "packages");
  if (existsSync(pkgRoot)) {
    for (const e of readdirSync(pkgRoot, { withFileTypes: true })) if (e.isDirectory()) scopes.add(e.name);
  }
  return [...scopes].sort();
}

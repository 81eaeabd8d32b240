import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { familyOfDir } from "../lib/codegen/protos.js";
import { readRepoConfig, repoRoot } from "../lib/infra/repo.js";

/** Scopes for changes that are not about one proto family or package. */
export const REPO_SCOPES = ["build", "ci", "deps", "docs", "release"] as const;

/**
 * Every scope a commit may name: each proto family found under proto/ (so a
 * new proto package is a valid scope the moment it lands), each packages/
 * directory (hand-written runtime packages too), and the repo-wide scopes.
 * Families come from the directories of proto/'s files, not from compiling
 * them: the commit-msg hook must work while a proto is half-written.
 */
export function commitScopes(root = repoRoot): string[] {
  const scopes = new Set<string>(REPO_SCOPES);
  const protoDir = join(root, "proto");
  if (existsSync(protoDir)) {
    const { protoOrg } = readRepoConfig(root);
    for (const f of readdirSync(protoDir, { recursive: true, encoding: "utf8" })) {
      if (!f.endsWith(".proto")) continue;
      const family = familyOfDir(f.split(/[\\/]/).slice(0, -1).join("/"), protoOrg);
      if (family) scopes.add(family);
    }
  }
  const pkgRoot = join(root, "packages");
  if (existsSync(pkgRoot)) {
    for (const e of readdirSync(pkgRoot, { withFileTypes: true })) if (e.isDirectory()) scopes.add(e.name);
  }
  return [...scopes].sort();
}

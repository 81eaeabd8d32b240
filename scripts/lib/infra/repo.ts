import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the repository root (the folder holding buf.yaml). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export interface RepoConfig {
  /** npm scope of every published package, e.g. "@acme". */
  scope: string;
  /** First segment of the organisation's proto packages, e.g. "acme". */
  protoOrg: string;
  /** Repository URL written into every package.json. */
  repositoryUrl: string;
  license: string;
}

/**
 * The one place the npm scope and proto org come from: the root
 * package.json's "config" block, so `npm config` can override them too.
 */
export function readRepoConfig(root = repoRoot): RepoConfig {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    config?: { scope?: string; protoOrg?: string };
    repository?: string | { url?: string };
    license?: string;
  };
  const scope = process.env.npm_package_config_scope ?? pkg.config?.scope ?? "@acme";
  if (!/^@[a-z0-9][a-z0-9._-]*$/.test(scope)) {
    throw new Error(`package.json config.scope must look like "@acme", got ${JSON.stringify(scope)}`);
  }
  const repo = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  return {
    scope,
    protoOrg: process.env.npm_package_config_protoOrg ?? pkg.config?.protoOrg ?? scope.slice(1),
    repositoryUrl: repo ?? "git+https://github.com/acme/schemas.git",
    license: pkg.license ?? "Apache-2.0",
  };
}

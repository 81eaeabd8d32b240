// Do the Node versions we claim in "engines" hold? Read from package-lock.json:
// every package that would be installed must accept every Node version the
// claim allows (semver subset), not only the one running now. npm's
// --engine-strict checks the running version; this checks the claim.
import semver from "semver";

interface LockEntry {
  name?: string;
  version?: string;
  link?: boolean;
  resolved?: string;
  dev?: boolean;
  optional?: boolean;
  engines?: Record<string, string> | string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Lockfile {
  packages: Record<string, LockEntry>;
}

export interface EngineConflict {
  /** The package's path in package-lock.json, e.g. node_modules/a/node_modules/cookie. */
  path: string;
  version: string;
  /** Its engines.node. */
  requires: string;
}

function nodeRange(e: LockEntry): string | undefined {
  // A few old packages have the long-gone array form (["node >=0.6.0"]), which npm ignores.
  return e.engines && !Array.isArray(e.engines) ? e.engines.node : undefined;
}

function conflicts(lock: Lockfile, paths: Iterable<string>, claim: string): EngineConflict[] {
  const out: EngineConflict[] = [];
  for (const path of paths) {
    const e = lock.packages[path];
    const requires = nodeRange(e);
    if (requires && !semver.subset(claim, requires)) out.push({ path, version: e.version ?? "?", requires });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The repo's own install (npm ci): every package in the lockfile except the optional ones, which
 * npm skips on an unsupported Node (as with any platform mismatch) instead of failing.
 */
export function repoEngineConflicts(lock: Lockfile, claim: string): EngineConflict[] {
  return conflicts(
    lock,
    Object.keys(lock.packages).filter((p) => p !== "" && !lock.packages[p].optional && !lock.packages[p].link),
    claim,
  );
}

/** Where Node's resolution finds `dep` from the package at `from` (a lockfile path), following links. */
export function resolveInLock(lock: Lockfile, from: string, dep: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${dep}`;
    const hit = lock.packages[candidate];
    if (hit) return hit.link && hit.resolved ? hit.resolved : candidate;
    if (base === "") return undefined;
    const up = /^(.*?)\/?node_modules\/(?:@[^/]+\/)?[^/]+$/.exec(base);
    base = up ? up[1] : "";
  }
}

/**
 * What a consumer of the workspace package at `dir` (e.g. packages/httpgrpc) installs: its
 * dependencies and required peers, and theirs, as this lockfile resolves them (dev dependencies
 * and optional ones excluded). Throws when a dependency is missing from the lockfile.
 */
export function consumerClosure(lock: Lockfile, dir: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const e = lock.packages[path];
    if (!e) throw new Error(`${path} is not in package-lock.json`);
    const required = { ...e.dependencies, ...e.peerDependencies };
    for (const name of Object.keys(required)) {
      if (e.peerDependenciesMeta?.[name]?.optional) continue;
      const found = resolveInLock(lock, path, name);
      if (!found) throw new Error(`${name}, needed by ${path}, is not in package-lock.json; run npm install`);
      visit(found);
    }
  };
  visit(dir);
  return seen;
}

/** The consumer closure's packages whose engines.node does not accept every version of `claim`. */
export function consumerEngineConflicts(lock: Lockfile, dir: string, claim: string): EngineConflict[] {
  return conflicts(lock, consumerClosure(lock, dir), claim);
}

import { cpSync, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type PublishedVersion, VERSIONS_SCRIPT, versionsScript } from "@acme/protoc-gen-doc";
import semver from "semver";
import { replaceDirAtomic, siblingTempDir, writeFileAtomic } from "../infra/fs-atomic.js";

/** Reads <tree>/versions.json; a missing file is an empty tree, a broken one is an error. */
export function readVersions(tree: string): PublishedVersion[] {
  const file = join(tree, "versions.json");
  if (!existsSync(file)) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); fix or delete it`);
  }
  if (!Array.isArray(data) || !data.every((v) => v && typeof v.version === "string" && semver.valid(v.version))) {
    throw new Error(`${file}: expected an array of {"version": "X.Y.Z", ...}`);
  }
  return data as PublishedVersion[];
}

/** Newest first; latest is the highest stable version, or the highest pre-release when there is no stable one. */
export function orderVersions(versions: string[]): PublishedVersion[] {
  const sorted = [...new Set(versions)].sort((a, b) => semver.rcompare(a, b));
  const latest = sorted.find((v) => !semver.prerelease(v)) ?? sorted[0];
  return sorted.map((v) => ({
    version: v,
    path: `v${v}/`,
    prerelease: semver.prerelease(v) !== null,
    latest: v === latest,
  }));
}

const REDIRECT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=latest/index.html"><title>API reference</title></head>
<body><main><p><a href="latest/index.html">Go to the latest API reference</a></p></main></body></html>
`;

export interface DocsTreeResult {
  versions: PublishedVersion[];
  updatedLatest: boolean;
}

/**
 * Writes `site` into `tree` as v<version>/ and, when it is the newest stable
 * version, as latest/; then versions.json (and versions.js, the same list as
 * a script so pages opened from file:// can read it). Each directory is
 * staged beside its target and swapped in by rename; versions.json is
 * written last, so a failure never lists a version whose files are missing.
 */
export function addVersionToDocsTree(opts: { site: string; version: string; tree: string }): DocsTreeResult {
  const version = semver.valid(opts.version.replace(/^v/, ""));
  if (!version) throw new Error(`--version must be a semver version like 1.2.3, got ${JSON.stringify(opts.version)}`);
  if (!existsSync(join(opts.site, "index.html")))
    throw new Error(`--site ${opts.site} has no index.html; build it with: npm run docs -- --version ${version}`);
  if (existsSync(opts.tree) && !statSync(opts.tree).isDirectory())
    throw new Error(`--tree ${opts.tree} is not a directory`);
  const previous = readVersions(opts.tree);
  const versions = orderVersions([...previous.map((v) => v.version), version]);
  const updatedLatest = versions.find((v) => v.latest)?.version === version;

  const targets = [`v${version}`, ...(updatedLatest ? ["latest"] : [])];
  const staged: [string, string][] = [];
  try {
    for (const name of targets) {
      const target = join(opts.tree, name);
      const tmp = siblingTempDir(target);
      cpSync(opts.site, tmp, { recursive: true });
      staged.push([tmp, target]);
    }
    for (const [tmp, target] of staged) replaceDirAtomic(tmp, target);
  } catch (err) {
    for (const [tmp] of staged) rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const json = JSON.stringify(versions, null, 2);
  writeFileAtomic(join(opts.tree, VERSIONS_SCRIPT), versionsScript(versions));
  writeFileAtomic(join(opts.tree, "index.html"), REDIRECT);
  writeFileAtomic(join(opts.tree, "versions.json"), `${json}\n`);
  return { versions, updatedLatest };
}

// The versioned docs tree a release publishes into (the gh-pages branch): <tree>/vX.Y.Z/ for every
// version, <tree>/latest/, a redirecting index.html, and the versions contract of versions.ts
// (versions.json, and versions.js, which the site's browser script reads for its version switcher).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { moveIntoTree } from "./move-into-tree.js";
import { type PublishedVersion, VERSIONS_SCRIPT, versionsScript } from "./versions.js";

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
 * a script so pages opened from file:// can read it). Everything is staged in
 * one directory inside the tree and moved into place by rename, all or
 * nothing, versions.json last: a failure never lists a version whose files
 * are missing, and leaves the tree as it was.
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

  mkdirSync(opts.tree, { recursive: true });
  // Inside the tree, so that every rename stays on one filesystem.
  const stage = mkdtempSync(join(opts.tree, ".publish-"));
  try {
    const dirs = [`v${version}`, ...(updatedLatest ? ["latest"] : [])];
    for (const dir of dirs) cpSync(opts.site, join(stage, dir), { recursive: true });
    const files: [string, string][] = [
      [VERSIONS_SCRIPT, versionsScript(versions)],
      ["index.html", REDIRECT],
      ["versions.json", `${JSON.stringify(versions, null, 2)}\n`],
    ];
    for (const [name, text] of files) writeFileSync(join(stage, name), text);
    moveIntoTree(stage, opts.tree, [...dirs, ...files.map(([name]) => name)]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return { versions, updatedLatest };
}

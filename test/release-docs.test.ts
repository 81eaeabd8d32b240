// Versioned docs on release: publishDocsToGhPages builds the site, lays it out with
// the repo's `docs:publish` script in a gh-pages worktree (an orphan branch
// the first time), commits and pushes to a real bare origin. The two docs
// scripts here are stand-ins with the docs issue's interface.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { hasDocsPublish, publishDocsToGhPages } from "../scripts/release/gh-pages.js";
import { cleanEnv } from "./support/release-repo.js";

let root: string;
let work: string;
let origin: string;
const env = cleanEnv();
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

// build/docs/index.html says which version it was built for (DOCS_VERSION).
const BUILD_DOCS = `import { mkdirSync, writeFileSync } from "node:fs";
mkdirSync("build/docs", { recursive: true });
writeFileSync("build/docs/index.html", "<h1>docs " + process.env.DOCS_VERSION + "</h1>");
`;
// --site <dir> --version X --tree <dir>: <tree>/vX/, <tree>/latest/, <tree>/versions.json
const PUBLISH_DOCS = `import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
const { values } = parseArgs({ options: { site: { type: "string" }, version: { type: "string" }, tree: { type: "string" } } });
cpSync(values.site, join(values.tree, "v" + values.version), { recursive: true });
rmSync(join(values.tree, "latest"), { recursive: true, force: true });
cpSync(values.site, join(values.tree, "latest"), { recursive: true });
const file = join(values.tree, "versions.json");
const versions = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
writeFileSync(file, JSON.stringify([...new Set([values.version, ...versions])]));
`;

before(() => {
  root = mkdtempSync(join(tmpdir(), "release-docs-"));
  work = join(root, "work");
  origin = join(root, "origin.git");
  mkdirSync(join(work, "tools"), { recursive: true });
  writeFileSync(join(work, "tools/build-docs.mjs"), BUILD_DOCS);
  writeFileSync(join(work, "tools/publish-docs.mjs"), PUBLISH_DOCS);
  writeFileSync(join(work, ".gitignore"), "build/\n");
  writeFileSync(
    join(work, "package.json"),
    JSON.stringify({
      name: "docs-fixture",
      private: true,
      scripts: { docs: "node tools/build-docs.mjs", "docs:publish": "node tools/publish-docs.mjs" },
    }),
  );
  git(root, "init", "-q", "--bare", "-b", "main", origin);
  git(work, "init", "-q", "-b", "main");
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "chore: docs fixture");
  git(work, "remote", "add", "origin", pathToFileURL(origin).href);
  git(work, "push", "-q", "origin", "main");
});

after(() => rmSync(root, { recursive: true, force: true }));

test("the first release starts gh-pages as an orphan branch with vX.Y.Z/, latest/ and versions.json", async () => {
  assert.ok(hasDocsPublish(work));
  const sha = await publishDocsToGhPages({
    version: "1.0.0",
    cwd: work,
    env,
    remote: pathToFileURL(origin).href,
    log: () => {},
  });
  assert.ok(sha);
  assert.equal(git(origin, "rev-parse", "gh-pages"), sha);
  assert.equal(git(origin, "rev-list", "--count", "gh-pages"), "1", "no main history on gh-pages");
  assert.deepEqual(git(origin, "ls-tree", "-r", "--name-only", "gh-pages").split("\n").sort(), [
    "latest/index.html",
    "v1.0.0/index.html",
    "versions.json",
  ]);
  assert.equal(git(origin, "show", "gh-pages:v1.0.0/index.html"), "<h1>docs 1.0.0</h1>");
  assert.equal(git(work, "status", "--porcelain"), "", "the working copy is untouched");
  assert.equal(git(work, "worktree", "list").split("\n").length, 1, "the gh-pages worktree is removed");
});

test("the next release adds its version and moves latest, keeping the older version", async () => {
  await publishDocsToGhPages({ version: "1.1.0", cwd: work, env, remote: pathToFileURL(origin).href, log: () => {} });
  assert.equal(git(origin, "rev-list", "--count", "gh-pages"), "2");
  assert.equal(git(origin, "show", "gh-pages:latest/index.html"), "<h1>docs 1.1.0</h1>");
  assert.equal(git(origin, "show", "gh-pages:v1.0.0/index.html"), "<h1>docs 1.0.0</h1>");
  assert.deepEqual(JSON.parse(git(origin, "show", "gh-pages:versions.json")), ["1.1.0", "1.0.0"]);
  assert.equal(git(origin, "log", "-1", "--format=%s", "gh-pages"), "docs: v1.1.0 [skip ci]");
});

test("publishing the same version again changes nothing", async () => {
  const before = git(origin, "rev-parse", "gh-pages");
  assert.equal(
    await publishDocsToGhPages({ version: "1.1.0", cwd: work, env, remote: pathToFileURL(origin).href, log: () => {} }),
    undefined,
  );
  assert.equal(git(origin, "rev-parse", "gh-pages"), before);
});

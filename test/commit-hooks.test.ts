// The commit conventions, through real git commits: husky installed the way
// `npm ci` does it (the prepare script), the pre-commit hook running buf over
// the staged .proto files and Biome over the staged TypeScript, and commitlint
// with scopes derived from proto/.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { GIT_ENV } from "./support/temp-repo.js";

const GREETER = "proto/acme/greeter/v1/greeter.proto";
let dir: string;

/** Our env with husky enabled (CI sets HUSKY=0, which turns the hooks off). */
function hookEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...GIT_ENV };
  delete env.HUSKY;
  return env;
}

function git(...args: string[]) {
  return spawnSync("git", args, { cwd: dir, env: hookEnv(), encoding: "utf8" });
}

function commit(message: string) {
  const r = git("commit", "-q", "-m", message);
  return { code: r.status ?? 1, out: r.stdout + r.stderr };
}

function copyRepo(target: string): void {
  for (const p of [
    "proto",
    "scripts",
    "packages",
    ".husky",
    "biome.jsonc",
    "buf.yaml",
    "package.json",
    "commitlint.config.mjs",
    "tsconfig.base.json",
  ]) {
    cpSync(join(repoRoot, p), join(target, p), {
      recursive: true,
      filter: (src) => !/\/(node_modules|dist)$/.test(src),
    });
  }
  symlinkSync(join(repoRoot, "node_modules"), join(target, "node_modules"), "dir");
  writeFileSync(join(target, ".gitignore"), "node_modules\n");
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "commit-hooks-"));
  copyRepo(dir);
  execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir, env: hookEnv() });
  // What `npm ci` runs through the prepare script.
  const prepare = spawnSync("npm", ["run", "prepare"], { cwd: dir, env: hookEnv(), encoding: "utf8" });
  assert.equal(prepare.status, 0, prepare.stderr);
  assert.equal(git("config", "core.hooksPath").stdout.trim(), ".husky/_");
  git("add", "-A");
  const first = commit("chore: import the schema repository");
  assert.equal(first.code, 0, first.out);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function editGreeter(from: string, to: string): void {
  const file = join(dir, GREETER);
  const src = readFileSync(file, "utf8");
  assert.ok(src.includes(from), `${from} not in ${GREETER}`);
  writeFileSync(file, src.replace(from, to));
}

test("pre-commit refuses a staged .proto that buf format would change, naming the file and the fix", () => {
  editGreeter("string name = 1;", "string    name = 1;");
  git("add", GREETER);
  const r = commit("fix(greeter): tidy");
  assert.notEqual(r.code, 0);
  assert.match(r.out, new RegExp(`${GREETER}: not formatted \\(buf format\\); fix with: npx buf format -w ${GREETER}`));
  git("checkout", "HEAD", "--", GREETER);
});

test("pre-commit refuses a staged .proto with a buf lint error, with file:line", () => {
  editGreeter("uint32 count = 2;", "uint32 count = 2;\n  // The greeting style.\n  string greetingStyle = 3;");
  git("add", GREETER);
  const r = commit("feat(greeter): greeting style");
  assert.notEqual(r.code, 0);
  assert.match(
    r.out,
    /proto\/acme\/greeter\/v1\/greeter\.proto:\d+:\d+:Field name "greetingStyle" should be lower_snake_case/,
  );
  git("checkout", "HEAD", "--", GREETER);
});

test("pre-commit checks what is staged, not the working tree", () => {
  editGreeter("uint32 count = 2;", "uint32 count = 2;\n  // The greeting style.\n  string greeting_style = 3;");
  git("add", GREETER);
  // An unformatted edit left unstaged is not part of the commit, so it does not block it.
  editGreeter("string name = 1;", "string    name = 1;");
  const r = commit("feat(greeter): greeting style");
  assert.equal(r.code, 0, r.out);
  git("checkout", "HEAD", "--", GREETER);
});

const CODE = "scripts/lib/staged-example.ts";

/** Stages `content` as CODE, tries to commit, then puts the index and working tree back as they were. */
function commitCode(content: string, workingTree?: string) {
  writeFileSync(join(dir, CODE), content);
  git("add", CODE);
  if (workingTree !== undefined) writeFileSync(join(dir, CODE), workingTree);
  const r = commit("chore: add an example");
  git("reset", "-q", "--", CODE);
  rmSync(join(dir, CODE));
  if (git("cat-file", "-e", `HEAD:${CODE}`).status === 0) git("checkout", "HEAD", "--", CODE);
  return r;
}

test("pre-commit refuses a staged .ts file that Biome would reformat, naming the file and the fix", () => {
  const r = commitCode("export const answer = {a:1}\n");
  assert.notEqual(r.code, 0);
  assert.match(r.out, /^scripts\/lib\/staged-example\.ts format/m);
  assert.match(r.out, new RegExp(`npx biome check --write ${CODE} && git add ${CODE}`));
  assert.match(r.out, /pre-commit: commit refused/);
});

test("pre-commit refuses a staged .ts file with a Biome lint finding, with file:line and the rule", () => {
  const r = commitCode("export const echo = (x: any) => x;\n");
  assert.notEqual(r.code, 0);
  assert.match(r.out, /^scripts\/lib\/staged-example\.ts:1:\d+ lint\/suspicious\/noExplicitAny/m);
  assert.match(r.out, /pre-commit: commit refused/);
});

test("pre-commit lets a clean staged .ts file through, judging what is staged, not the working tree", () => {
  const clean = "export const echo = (x: unknown) => x;\n";
  const r = commitCode(clean, "export const echo = (x: any) =>   x\n");
  assert.equal(r.code, 0, r.out);
  assert.equal(git("show", `HEAD:${CODE}`).stdout, clean);
  // And the other way round: a clean working tree does not excuse a bad staged file.
  const bad = commitCode("export const echo2 = (x: any) => x;\n", clean);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /noExplicitAny/);
});

test("commit-msg rejects a message that is not a conventional commit", () => {
  writeFileSync(join(dir, "notes.md"), "notes\n");
  git("add", "notes.md");
  const r = commit("added some notes");
  assert.notEqual(r.code, 0);
  assert.match(r.out, /type may not be empty/);
});

test("commit-msg rejects an unknown scope and lists the allowed ones, derived from proto/ and packages/", () => {
  const r = commit("docs(nonsense): notes");
  assert.notEqual(r.code, 0);
  const listed = /scope must be one of \[([^\]]*)\]/.exec(r.out)?.[1].split(", ");
  assert.ok(listed, r.out);
  // Proto families (grpc.health.v1 -> grpc-health), a hand-written package dir, and the repo-wide scopes.
  for (const scope of ["greeter", "grpc-health", "httpgrpc", "payments", "protoc-gen-doc", "deps", "ci", "release"])
    assert.ok(listed.includes(scope), scope);
  assert.ok(!listed.includes("nonsense"));
});

test("a new proto package is a valid scope as soon as it is in proto/", () => {
  const before = commit("feat(billing): notes");
  assert.notEqual(before.code, 0);
  assert.match(before.out, /scope must be one of/);
  mkdirSync(join(dir, "proto/acme/billing/v1"), { recursive: true });
  writeFileSync(
    join(dir, "proto/acme/billing/v1/billing.proto"),
    'syntax = "proto3";\n\npackage acme.billing.v1;\n\n// Invoice is a bill.\nmessage Invoice {\n  // The invoice id.\n  string id = 1;\n}\n',
  );
  git("add", "-A");
  const r = commit("feat(billing): invoices");
  assert.equal(r.code, 0, r.out);
  assert.equal(git("log", "-1", "--format=%s").stdout.trim(), "feat(billing): invoices");
});

test("npm's prepare script succeeds without a .git directory and with HUSKY=0", () => {
  const bare = mkdtempSync(join(tmpdir(), "no-git-"));
  try {
    cpSync(join(repoRoot, "package.json"), join(bare, "package.json"));
    cpSync(join(repoRoot, "scripts"), join(bare, "scripts"), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules"), join(bare, "node_modules"), "dir");
    const noGit = spawnSync("npm", ["run", "prepare"], { cwd: bare, env: hookEnv(), encoding: "utf8" });
    assert.equal(noGit.status, 0, noGit.stderr);
    assert.match(noGit.stdout, /\.git can't be found/);
    const off = spawnSync("npm", ["run", "prepare"], {
      cwd: bare,
      env: { ...hookEnv(), HUSKY: "0" },
      encoding: "utf8",
    });
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /HUSKY=0 skip install/);
    // prepare also writes the third-party proto modules from their npm packages (no git, no network needed).
    assert.match(off.stdout, /proto-deps: /);
    assert.ok(existsSync(join(bare, ".deps/proto/googleapis/google/api/annotations.proto")));
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

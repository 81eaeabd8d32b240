// One verdict from every schema tool: `npm run breaking` (text, json,
// github-actions; approved and not), `npm run pr:summary` and the release
// safety net, for a renamed .proto file, a v0 and a v1beta1 edit, a deleted
// field, and a schema that does not compile. Real buf, temporary git repos.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ReleaseError } from "../scripts/release/errors.js";
import { checkSchemaSafety } from "../scripts/release/safety-net.js";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

const GREETER = "proto/acme/greeter/v1/greeter.proto";
const RENAMED = "proto/acme/greeter/v1/hello.proto";

let repo: TempRepo;

/** A local run: no GitHub event, no approval, unless a test passes one. */
function run(script: string, args: string[], env: Record<string, string> = {}) {
  return repo.script(script, args, { GITHUB_EVENT_PATH: "", BREAKING_APPROVED: "", GITHUB_STEP_SUMMARY: "", ...env });
}

/** The safety net's verdict for a `feat:` (minor) release of the working tree's HEAD against v1.0.0. */
async function safetyNet(releaseType = "minor"): Promise<ReleaseError | undefined> {
  try {
    await checkSchemaSafety({
      lastTag: "v1.0.0",
      releaseType,
      nextVersion: releaseType === "major" ? "2.0.0" : "1.1.0",
      cwd: repo.dir,
    });
    return undefined;
  } catch (err) {
    if (err instanceof ReleaseError) return err;
    throw err;
  }
}

const thing = (pkg: string) => `syntax = "proto3";

package ${pkg};

// Thing is a thing.
message Thing {
  // Its name.
  string name = 1;
  // A note.
  string note = 2;
}
`;

before(() => {
  repo = makeTempRepo();
  repo.write("proto/acme/old/v0/thing.proto", thing("acme.old.v0"));
  repo.write("proto/acme/lab/v1beta1/thing.proto", thing("acme.lab.v1beta1"));
  repo.commit("feat: schemas");
  repo.git("tag", "v1.0.0");
});
after(() => repo?.cleanup());

/** Each scenario commits on a branch from the tag and goes back afterwards. */
function scenario(name: string, edit: () => void) {
  before(() => {
    repo.git("checkout", "-q", "-b", name, "v1.0.0");
    edit();
    repo.commit(`feat: ${name}`);
  });
  after(() => repo.git("checkout", "-q", "--detach", "v1.0.0"));
}

describe("renaming a .proto file", () => {
  scenario("rename", () => repo.git("mv", GREETER, RENAMED));
  const expected = `${GREETER}:1:1: Previously present file "acme/greeter/v1/greeter.proto" was deleted. (FILE_NO_DELETE)`;

  test("breaking, text: fails naming the old path and line 1", () => {
    const r = run("breaking", []);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.stdout.split("\n").includes(expected), r.stdout);
    assert.doesNotMatch(r.stdout + r.stderr, /undefined|TypeError/);
  });

  test("breaking, json: one object with the old path", () => {
    const r = run("breaking", ["--error-format", "json"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines, [
      {
        path: GREETER,
        line: 1,
        column: 1,
        rule: "FILE_NO_DELETE",
        message: 'Previously present file "acme/greeter/v1/greeter.proto" was deleted.',
        level: "error",
      },
    ]);
  });

  test("breaking, github-actions: an error annotation on the old path", () => {
    const r = run("breaking", ["--error-format", "github-actions"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^::error file=proto\/acme\/greeter\/v1\/greeter\.proto,line=1,col=1,title=buf breaking FILE_NO_DELETE::Previously present file/m,
    );
  });

  test("approved, it passes as warnings in all three formats", () => {
    const text = run("breaking", ["--approved"]);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.ok(text.stdout.split("\n").includes(`warning: ${expected}`), text.stdout);
    const json = run("breaking", ["--error-format", "json"], { BREAKING_APPROVED: "1" });
    assert.equal(json.code, 0, json.stdout + json.stderr);
    assert.equal((JSON.parse(json.stdout.trim()) as { level: string; path: string }).level, "warning");
    const gh = run("breaking", ["--error-format", "github-actions", "--approved"]);
    assert.equal(gh.code, 0, gh.stdout + gh.stderr);
    assert.match(
      gh.stdout,
      /^::warning file=proto\/acme\/greeter\/v1\/greeter\.proto,line=1,col=1,title=buf breaking FILE_NO_DELETE::/m,
    );
  });

  test("pr:summary lists it as a major change, with the move", () => {
    const r = run("pr-summary", ["--base", "v1.0.0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\*\*Implied version bump: major\*\*/);
    assert.match(
      r.stdout,
      /\| `proto\/acme\/greeter\/v1\/greeter\.proto:1` \| FILE_NO_DELETE \| Previously present file/,
    );
    assert.match(
      r.stdout,
      /- service `acme\.greeter\.v1\.GreeterService` — `moved from acme\/greeter\/v1\/greeter\.proto to acme\/greeter\/v1\/hello\.proto`/,
    );
    assert.match(r.stdout, /`v1\.0\.0` \([0-9a-f]{7}\) → `HEAD` \([0-9a-f]{7}\)/, "a clean tree is HEAD");
  });

  test("the release safety net refuses a feat: release with its own message", async () => {
    const err = await safetyNet();
    assert.ok(err, "refused");
    assert.equal(err.code, "EBREAKINGSCHEMA");
    assert.match(
      err.message,
      /The schema has 1 breaking change since v1\.0\.0, but the commits make this a minor release \(1\.1\.0\)/,
    );
    assert.ok(err.details?.includes(`  ${expected}`), err.details);
    assert.match(err.details ?? "", /feat\(greeter\)!:/);
    assert.match(err.details ?? "", /keep the file at its old path/);
    assert.equal(await safetyNet("major"), undefined, "a declared major goes ahead");
  });
});

describe("one stability rule (buf's): a type change in v0 breaks, in v1beta1 it does not", () => {
  describe("v0", () => {
    scenario("v0-edit", () => repo.edit("proto/acme/old/v0/thing.proto", "string note = 2;", "int32 note = 2;"));

    test("breaking fails", () => {
      const r = run("breaking", []);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /proto\/acme\/old\/v0\/thing\.proto:\d+:\d+: Field "2" with name "note" on message "Thing" changed type from "string" to "int32"\. \(FIELD_SAME_TYPE\)/,
      );
    });

    test("pr:summary says major, and calls the package stable", () => {
      const r = run("pr-summary", ["--base", "v1.0.0"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\*\*Implied version bump: major\*\*/);
      assert.match(r.stdout, /\| `acme\.old\.v0` \| `@acme\/old\/v0` \| stable \|/);
    });

    test("the safety net refuses a feat: release", async () => {
      const err = await safetyNet();
      assert.equal(err?.code, "EBREAKINGSCHEMA");
      assert.match(err?.details ?? "", /proto\/acme\/old\/v0\/thing\.proto:\d+:\d+: .*FIELD_SAME_TYPE/);
    });
  });

  describe("v1beta1", () => {
    scenario("v1beta1-edit", () =>
      repo.edit("proto/acme/lab/v1beta1/thing.proto", "string note = 2;", "int32 note = 2;"),
    );

    test("breaking passes", () => {
      const r = run("breaking", []);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /no breaking changes against v1\.0\.0/);
    });

    test("pr:summary says minor (a change to an unstable package), listing the change", () => {
      const r = run("pr-summary", ["--base", "v1.0.0"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /\*\*Implied version bump: minor\*\*/);
      assert.match(
        r.stdout,
        /\| `acme\.lab\.v1beta1` \| `@acme\/lab\/v1beta1` \| unstable \(exempt from the breaking check\) \|/,
      );
      assert.match(r.stdout, /### Changed \(1\)\n\n- field `acme\.lab\.v1beta1\.Thing\.note` — `int32 note = 2`/);
      assert.match(r.stdout, /### Breaking changes\n\nNone\./);
    });

    test("the safety net lets a feat: release go ahead", async () => {
      assert.equal(await safetyNet(), undefined);
    });
  });
});

describe("a deleted field", () => {
  scenario("delete-field", () =>
    repo.edit(GREETER, /\n {2}\/\/ How many greetings to send; 0 means 3\.\n {2}uint32 count = 2;/, ""),
  );

  test("the safety net advises what passes under FILE: deprecate, since reserved alone still breaks", async () => {
    const err = await safetyNet();
    assert.equal(err?.code, "EBREAKINGSCHEMA");
    assert.match(
      err?.details ?? "",
      /keep it and mark it `\[deprecated = true\]` \(`reserved` alone is still a break under the FILE rules\)/,
    );
    assert.doesNotMatch(err?.details ?? "", /`reserved` the number and name/);
  });

  test("the advice is true: deprecating instead passes the breaking check", () => {
    repo.git("checkout", "-q", "v1.0.0", "--", GREETER);
    repo.edit(GREETER, "uint32 count = 2;", "uint32 count = 2 [deprecated = true];");
    try {
      const r = run("breaking", []);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    } finally {
      repo.git("checkout", "-q", "HEAD", "--", GREETER);
    }
  });
});

describe("a schema that does not compile", () => {
  scenario("no-compile", () => repo.edit(GREETER, "uint32 count = 2;", "uint32 count = 2;\n  strin oops = 9;"));

  for (const [how, args, env] of [
    ["unapproved", [], {}],
    ["with --approved", ["--approved"], {}],
    ["with BREAKING_APPROVED=1", [], { BREAKING_APPROVED: "1" }],
  ] as [string, string[], Record<string, string>][]) {
    test(`fails the breaking check ${how}, and points to lint`, () => {
      const r = run("breaking", ["--error-format", "github-actions", ...args], env);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /^::error file=proto\/acme\/greeter\/v1\/greeter\.proto,line=\d+,col=\d+,title=buf breaking COMPILE::.*strin/m,
      );
      assert.doesNotMatch(r.stdout, /^::warning/m);
      assert.match(r.stderr, /does not compile .*no approval changes that/);
      assert.match(r.stderr, /`npm run lint` shows the error/);
    });
  }

  test("the safety net refuses with its own message", async () => {
    const err = await safetyNet("major");
    assert.equal(err?.code, "EBREAKINGCHECK");
    assert.match(err?.message ?? "", /does not compile/);
  });
});

describe("pr:summary of uncommitted changes", () => {
  scenario("dirty", () => repo.write("docs-only.txt", "x\n"));

  test("labels the working tree as such, not as HEAD", () => {
    repo.edit(GREETER, "uint32 count = 2;", "uint32 count = 2;\n  // Who asks.\n  string from = 3;");
    try {
      const r = run("pr-summary", ["--base", "v1.0.0"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /`v1\.0\.0` \([0-9a-f]{7}\) → the working tree \(uncommitted changes on `HEAD`, [0-9a-f]{7}\)/,
      );
      assert.match(r.stdout, /- field `acme\.greeter\.v1\.SayHelloStreamRequest\.from`/);
    } finally {
      repo.git("checkout", "-q", "--", GREETER);
    }
  });
});

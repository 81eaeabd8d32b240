import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GIT_ENV, makeTempRepo, type TempRepo } from "./support/temp-repo.js";

const PAYMENTS = "proto/acme/payments/v1/payments.proto";
const GREETER = "proto/acme/greeter/v1/greeter.proto";
const HEALTH = "proto/grpc/health/v1/health.proto";

describe("npm run breaking", () => {
  let repo: TempRepo;
  before(() => {
    repo = makeTempRepo();
    repo.git("tag", "v1.0.0");
  });
  after(() => repo.cleanup());

  function check(edit: () => void, args: string[] = []) {
    edit();
    try {
      return repo.script("breaking", args);
    } finally {
      repo.git("checkout", "-q", "--", ".");
      repo.git("clean", "-fdq", "proto");
    }
  }

  const breaks: [string, () => void, RegExp][] = [
    [
      "a field deletion",
      () =>
        repo.edit(
          PAYMENTS,
          / {2}\/\/ The text on the customer's statement, at most 22 characters.\n {2}string statement_descriptor = 15[^;]*;\n/,
          "",
        ),
      /payments\.proto:\d+:\d+: Previously present field "15" with name "statement_descriptor" on message "Payment" was deleted/,
    ],
    [
      "a renumbering",
      () =>
        repo.edit(GREETER, "string name = 1;\n}\n\n// SayHelloResponse", "string name = 3;\n}\n\n// SayHelloResponse"),
      /greeter\.proto:\d+:\d+: .*field "1" with name "name" on message "SayHelloRequest" was deleted/,
    ],
    [
      "a type change",
      () => repo.edit(GREETER, "uint32 count = 2;", "int64 count = 2;"),
      /greeter\.proto:\d+:\d+: Field "2" with name "count" on message "SayHelloStreamRequest" changed type from "uint32" to "int64"/,
    ],
    [
      "a field rename",
      () => repo.edit(GREETER, "uint32 index = 2;", "uint32 position = 2;"),
      /greeter\.proto:\d+:\d+: Field "2" on message "SayHelloStreamResponse" changed name from "index" to "position"/,
    ],
    [
      "an rpc removal",
      () => repo.edit(GREETER, / {2}\/\/ SayHelloStream greets[^\n]*\n {2}rpc SayHelloStream[^\n]*\n/, ""),
      /greeter\.proto:\d+:\d+: Previously present RPC "SayHelloStream" on service "GreeterService" was deleted/,
    ],
    [
      "an enum value removal",
      () =>
        repo.edit(PAYMENTS, / {4}\/\/ Given back to the customer, in whole or in part.\n {4}STATE_REFUNDED = 5;\n/, ""),
      /payments\.proto:\d+:\d+: Previously present enum value "5" on enum "State" was deleted/,
    ],
    [
      "a package rename",
      () => repo.edit(HEALTH, "package grpc.health.v1;", "package grpc.healthcheck.v1;"),
      /health\.proto:\d+:\d+: .*(package|Package).*"grpc\.health\.v1"/,
    ],
  ];
  for (const [what, edit, expected] of breaks) {
    it(`fails on ${what}, with file:line`, () => {
      const r = check(edit);
      assert.equal(r.code, 1, `expected a breaking failure:\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, expected);
      assert.match(r.stderr, /breaking change.* against v1\.0\.0 \(the latest release tag\)/);
    });
  }

  const compatible: [string, () => void][] = [
    [
      "adding a field",
      () =>
        repo.edit(GREETER, "string name = 1;\n}", 'string name = 1;\n  // A title, e.g. "Dr".\n  string title = 2;\n}'),
    ],
    [
      "adding an rpc",
      () =>
        repo.edit(
          GREETER,
          "service GreeterService {\n",
          "service GreeterService {\n  // SayGoodbye says goodbye.\n  rpc SayGoodbye(SayGoodbyeRequest) returns (SayGoodbyeResponse) {}\n",
        ),
    ],
    [
      "adding an enum value",
      () =>
        repo.edit(
          PAYMENTS,
          "STATE_REFUNDED = 5;\n",
          "STATE_REFUNDED = 5;\n    // Disputed by the customer.\n    STATE_DISPUTED = 6;\n",
        ),
    ],
    [
      "adding a message",
      () =>
        repo.write(
          "proto/acme/greeter/v1/extra.proto",
          'syntax = "proto3";\n\npackage acme.greeter.v1;\n\n// Extra is new.\nmessage Extra {\n  // A value.\n  string value = 1;\n}\n',
        ),
    ],
    [
      "adding a comment",
      () =>
        repo.edit(
          GREETER,
          "// SayHelloRequest names who to greet.",
          "// SayHelloRequest names who to greet.\n// It is the request of SayHello.",
        ),
    ],
  ];
  for (const [what, edit] of compatible) {
    it(`passes on ${what}`, () => {
      const r = check(() => {
        edit();
        if (what === "adding an rpc") {
          repo.write(
            "proto/acme/greeter/v1/goodbye.proto",
            'syntax = "proto3";\n\npackage acme.greeter.v1;\n\n// SayGoodbyeRequest.\nmessage SayGoodbyeRequest {}\n\n// SayGoodbyeResponse.\nmessage SayGoodbyeResponse {}\n',
          );
          repo.edit(
            GREETER,
            "package acme.greeter.v1;\n",
            'package acme.greeter.v1;\n\nimport "acme/greeter/v1/goodbye.proto";\n',
          );
        }
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /no breaking changes against v1\.0\.0/);
    });
  }

  it("compares with any ref given by --against", () => {
    repo.edit(GREETER, "uint32 index = 2;", "uint32 position = 2;");
    const sha = repo.commit("feat(greeter)!: rename index");
    try {
      assert.equal(repo.script("breaking", ["--against", "HEAD"]).code, 0);
      const r = repo.script("breaking", ["--against", "HEAD~1"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /against HEAD~1 \(as asked\)/);
    } finally {
      repo.git("reset", "-q", "--hard", `${sha}~1`);
    }
  });

  it("prints GitHub annotations with --error-format github-actions", () => {
    const r = check(
      () => repo.edit(GREETER, "uint32 index = 2;", "uint32 position = 2;"),
      ["--error-format", "github-actions"],
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /^::error file=proto\/acme\/greeter\/v1\/greeter\.proto,line=\d+,col=\d+,title=buf breaking FIELD_SAME_NAME::/m,
    );
  });

  it("explains a shallow clone instead of crashing", () => {
    repo.write("proto/acme/greeter/v1/greeter.proto", `${repo.read(GREETER)}\n`);
    repo.commit("docs: touch");
    const parent = mkdtempSync(join(tmpdir(), "shallow-"));
    try {
      const clone = join(parent, "clone");
      execFileSync("git", ["clone", "-q", "--depth", "1", "--no-tags", `file://${repo.dir}`, clone], {
        env: { ...process.env, ...GIT_ENV },
      });
      execFileSync("ln", ["-s", join(repo.dir, "node_modules"), join(clone, "node_modules")]);
      let out = "";
      let code = 0;
      try {
        execFileSync(process.execPath, ["--import", "tsx", "scripts/breaking.ts", "--against", "v1.0.0"], {
          cwd: clone,
          encoding: "utf8",
          stdio: "pipe",
        });
      } catch (e) {
        const err = e as { status: number; stderr: string; stdout: string };
        code = err.status;
        out = err.stderr + err.stdout;
      }
      assert.equal(code, 2);
      assert.match(
        out,
        /git ref "v1\.0\.0" is not in this clone\. This clone is shallow.*git fetch --tags --unshallow/,
      );
      assert.doesNotMatch(out, /\n\s+at /, "no stack trace");
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

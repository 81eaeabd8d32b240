import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { spawnSync } from "node:child_process";
import { bin } from "../scripts/lib/infra/exec.js";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

function bufLint(cwd: string): { code: number; stdout: string } {
  const r = spawnSync(bin("buf"), ["lint"], { cwd, encoding: "utf8" });
  return { code: r.status ?? 1, stdout: r.stdout };
}

describe("npm run lint (buf lint + buf format)", () => {
  let repo: TempRepo;
  before(() => {
    repo = makeTempRepo();
  });
  after(() => repo.cleanup());

  it("passes on the repository's protos", () => {
    const r = repo.script("lint");
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("fails on a non-conforming proto, naming file:line and the rule", () => {
    repo.write(
      "proto/acme/greeter/v1/bad.proto",
      'syntax = "proto3";\n\npackage acme.greeter.v1;\n\n// Doc.\nmessage bad_name {\n  // Doc.\n  string Field = 1;\n}\n',
    );
    try {
      const r = repo.script("lint");
      assert.equal(r.code, 1);
      assert.match(r.stdout, /proto\/acme\/greeter\/v1\/bad\.proto:6:9:Message name "bad_name" should be PascalCase/);
      assert.match(r.stdout, /bad\.proto:8:10:Field name "Field" should be lower_snake_case/);
    } finally {
      repo.git("clean", "-fdq", "proto");
    }
  });

  it("emits GitHub annotations with --error-format github-actions", () => {
    repo.write(
      "proto/acme/greeter/v1/bad.proto",
      'syntax = "proto3";\n\npackage acme.greeter.v1;\n\n// Doc.\nmessage bad_name {}\n',
    );
    try {
      const r = repo.script("lint", ["--error-format", "github-actions"]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^::error file=proto\/acme\/greeter\/v1\/bad\.proto,line=6,/m);
    } finally {
      repo.git("clean", "-fdq", "proto");
    }
  });

  it("fails the format check on a badly formatted proto, naming the file", () => {
    repo.edit(
      "proto/acme/greeter/v1/greeter.proto",
      "message SayHelloRequest {\n  // The name",
      "message   SayHelloRequest{\n// The name",
    );
    try {
      const r = repo.script("lint");
      assert.equal(r.code, 1);
      assert.match(r.stdout, /proto\/acme\/greeter\/v1\/greeter\.proto: not formatted/);
      assert.match(r.stderr, /npm run format/);
    } finally {
      repo.git("checkout", "-q", "--", "proto");
    }
  });

  // The wire-fixed protocols are exempt only from the rules they break: drop
  // any one exemption and lint must fail on exactly that rule.
  it("needs every lint exemption in buf.yaml", () => {
    const original = repo.read("buf.yaml");
    const config = parse(original) as { lint: { ignore_only: Record<string, string[]> } };
    const rules = Object.keys(config.lint.ignore_only);
    assert.ok(rules.length >= 5, `expected the documented exemptions, got ${rules.join(", ")}`);
    try {
      for (const rule of rules) {
        for (const path of config.lint.ignore_only[rule]) {
          const trimmed = structuredClone(config);
          trimmed.lint.ignore_only[rule] = config.lint.ignore_only[rule].filter((p) => p !== path);
          if (trimmed.lint.ignore_only[rule].length === 0) delete trimmed.lint.ignore_only[rule];
          repo.write("buf.yaml", JSON.stringify(trimmed));
          const r = bufLint(repo.dir);
          assert.equal(r.code, 100, `exemption ${rule} for ${path} is not needed`);
          assert.ok(r.stdout.includes(path), `dropping ${rule} for ${path} should fail on ${path}:\n${r.stdout}`);
        }
      }
    } finally {
      repo.write("buf.yaml", original);
    }
  });
});

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

describe("npm run lint (buf lint + buf format + Biome)", () => {
  let repo: TempRepo;
  before(() => {
    repo = makeTempRepo();
  });
  after(() => repo.cleanup());

  it("passes on the repository's protos and TypeScript", () => {
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

  // Unformatted (missing semicolons), a warning (an explicit any) and an info (string concatenation).
  const BAD_TS = 'let greeting = "hi"\nexport const shout = (x: any) => greeting + "!" + x\n';

  it("runs Biome over the TypeScript: format, warnings and infos all fail, each with file:line and the rule", () => {
    repo.write("scripts/lib/bad.ts", BAD_TS);
    try {
      const r = repo.script("lint");
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^scripts\/lib\/bad\.ts:2:\d+ lint\/suspicious\/noExplicitAny/m);
      assert.match(r.stdout, /^scripts\/lib\/bad\.ts:2:\d+ lint\/style\/useTemplate/m);
      assert.match(r.stdout, /^scripts\/lib\/bad\.ts format/m);
      assert.match(r.stderr, /Biome found 4 problem\(s\).*npm run format/);
    } finally {
      repo.git("clean", "-fdq", "scripts");
    }
  });

  it("fails on an info-level Biome finding alone (Biome itself exits 0 on one)", () => {
    repo.write("scripts/lib/concat.ts", 'export const shout = (x: string) => "hi " + x;\n');
    try {
      const r = repo.script("lint");
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^scripts\/lib\/concat\.ts:1:\d+ lint\/style\/useTemplate/m);
    } finally {
      repo.git("clean", "-fdq", "scripts");
    }
  });

  it("reports Biome's findings as GitHub annotations with repo-relative paths", () => {
    repo.write("scripts/lib/bad.ts", BAD_TS);
    try {
      const r = repo.script("lint", ["--error-format", "github-actions"]);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /^::warning title=lint\/suspicious\/noExplicitAny,file=scripts\/lib\/bad\.ts,line=2,/m);
      assert.match(r.stdout, /^::notice title=lint\/style\/useTemplate,file=scripts\/lib\/bad\.ts,line=2,/m);
      assert.match(r.stdout, /^::error title=format,file=scripts\/lib\/bad\.ts,line=1,/m);
    } finally {
      repo.git("clean", "-fdq", "scripts");
    }
  });

  it("npm run format fixes the TypeScript formatting", () => {
    repo.write("scripts/lib/ugly.ts", "export const  answer =  {a:1}\n");
    try {
      const r = spawnSync("npm", ["run", "-s", "format"], { cwd: repo.dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(repo.read("scripts/lib/ugly.ts"), "export const answer = { a: 1 };\n");
      assert.equal(repo.script("lint").code, 0);
    } finally {
      repo.git("clean", "-fdq", "scripts");
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

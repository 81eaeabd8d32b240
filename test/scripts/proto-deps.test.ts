// Unit tests of scripts/lib/codegen/proto-deps.ts that need no buf process:
// versions and files read from the installed npm packages, and the listing of
// .deps/proto/. (test/proto-deps.test.ts runs buf over the written modules.)
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DEPS_DIR, listDepFiles, PROTO_DEPS, pinnedVersion } from "../../scripts/lib/codegen/proto-deps.js";
import { repoRoot } from "../../scripts/lib/infra/repo.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("proto dependency modules", () => {
  it("reads a module's version from its installed package", () => {
    const installed = JSON.parse(
      readFileSync(join(repoRoot, "node_modules", "google-proto-files", "package.json"), "utf8"),
    ) as { version: string };
    assert.equal(pinnedVersion(repoRoot, "google-proto-files"), installed.version);
    assert.throws(
      () => pinnedVersion(repoRoot, "no-such-package-here"),
      /no-such-package-here is not installed; run npm ci/,
    );
  });

  it("prints buf/validate/validate.proto back from @bufbuild/protovalidate's compiled descriptor", async () => {
    const protovalidate = PROTO_DEPS.find((m) => m.name === "protovalidate")!;
    const files = await protovalidate.files(repoRoot);
    assert.deepEqual([...files.keys()], ["buf/validate/validate.proto"]);
    const text = files.get("buf/validate/validate.proto")!;
    for (const line of [
      "package buf.validate;",
      'import "google/protobuf/descriptor.proto";',
      "extend .google.protobuf.FieldOptions {",
      "message FieldRules {",
    ])
      assert.ok(text.split("\n").includes(line), `no line ${line}`);
  });

  it("lists each module's .proto files on disk, relative to the module, sorted", () => {
    const root = mkdtempSync(join(tmpdir(), "proto-deps-"));
    dirs.push(root);
    for (const f of [
      "googleapis/google/rpc/status.proto",
      "googleapis/google/api/http.proto",
      "googleapis/SOURCE.json",
    ]) {
      mkdirSync(join(root, DEPS_DIR, f, ".."), { recursive: true });
      writeFileSync(join(root, DEPS_DIR, f), "");
    }
    assert.deepEqual(Object.fromEntries(listDepFiles(root)), {
      googleapis: ["google/api/http.proto", "google/rpc/status.proto"],
      protovalidate: [],
    });
  });
});

// Third-party protos (google/api, google/rpc, buf/validate) come from pinned
// npm packages into the gitignored .deps/proto/, and buf resolves our
// imports from them offline: lint, breaking, generate and docs work, and
// none of them treats the third-party files as ours.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createFileRegistry, fromBinary, toJson, type FileRegistry, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { bin, npmCommand } from "../scripts/lib/infra/exec.js";
import { DEPS_DIR, ensureProtoDeps, listDepFiles } from "../scripts/lib/codegen/proto-deps.js";
import { printProtoFile } from "../scripts/lib/codegen/proto-print.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { makeTempRepo, type TempRepo } from "./support/temp-repo.js";

// Any attempt to reach the network (the BSR) fails fast on a closed port.
const OFFLINE = { HTTPS_PROXY: "http://127.0.0.1:9", HTTP_PROXY: "http://127.0.0.1:9", NO_PROXY: "" };

function buf(args: string[], cwd: string) {
  const r = spawnSync(bin("buf"), args, { cwd, encoding: "utf8", env: { ...process.env, ...OFFLINE } });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function buildImage(input: string, cwd: string): { registry: FileRegistry; files: FileDescriptorProto[] } {
  const dir = mkdtempSync(join(tmpdir(), "proto-deps-img-"));
  try {
    const out = join(dir, "image.binpb");
    const r = buf(["build", input, "-o", out], cwd);
    assert.equal(r.code, 0, r.out);
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(out));
    return { registry: createFileRegistry(set), files: set.file };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A descriptor as JSON with its extensions (custom options) spelled out, without what source text cannot carry. */
function canonical(f: FileDescriptorProto, registry: Registry): unknown {
  const json = toJson(FileDescriptorProtoSchema, f, { registry }) as Record<string, unknown>;
  delete json.sourceCodeInfo;
  return JSON.parse(JSON.stringify(json, (k, v) => (k === "jsonName" ? undefined : v)));
}

describe("third-party protos from pinned npm packages", () => {
  let repo: TempRepo;
  before(() => {
    // A fresh clone: the tooling and protos, node_modules, and no .deps/.
    repo = makeTempRepo({ extraPaths: [".gitignore"] });
    assert.equal(existsSync(join(repo.dir, ".deps")), false);
  });
  after(() => repo.cleanup());

  it("pins google-proto-files and @bufbuild/protovalidate exactly, and npm ls shows them", () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    for (const name of ["google-proto-files", "@bufbuild/protovalidate"]) {
      assert.match(pkg.devDependencies[name], /^\d+\.\d+\.\d+$/, `${name} is pinned to one exact version`);
    }
    const npm = npmCommand(); // the system npm, not the one semantic-release puts in node_modules/.bin
    const ls = spawnSync(
      npm.cmd,
      [...npm.prefix, "ls", "google-proto-files", "@bufbuild/protovalidate", "--depth=0", "--json"],
      {
        cwd: repoRoot,
        encoding: "utf8",
        // Not the npm_* settings of an enclosing `npm test`: they change how npm ls reads the tree.
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_"))),
      },
    );
    assert.equal(ls.status, 0, ls.stdout + ls.stderr);
    const deps = (JSON.parse(ls.stdout) as { dependencies: Record<string, { version: string }> }).dependencies;
    assert.equal(deps["google-proto-files"].version, pkg.devDependencies["google-proto-files"]);
    assert.equal(deps["@bufbuild/protovalidate"].version, pkg.devDependencies["@bufbuild/protovalidate"]);
  });

  it("lints a fresh clone offline: the scripts fill .deps/ and buf resolves google/api and buf/validate", () => {
    const r = repo.script("lint", [], OFFLINE);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(repo.dir, DEPS_DIR, "googleapis/google/api/annotations.proto")));
    assert.ok(existsSync(join(repo.dir, DEPS_DIR, "protovalidate/buf/validate/validate.proto")));
    const img = buildImage("proto", repo.dir);
    const names = img.files.map((f) => f.name);
    for (const f of [
      "google/api/annotations.proto",
      "google/api/http.proto",
      "google/api/field_behavior.proto",
      "buf/validate/validate.proto",
    ]) {
      assert.ok(names.includes(f), `${f} missing from the image of proto/: ${names.join(", ")}`);
    }
    // gitignored: a fresh clone never commits them.
    assert.equal(repo.git("status", "--porcelain", "--", ".deps"), "");
  });

  it("copies google/api and google/rpc byte for byte from google-proto-files, with what they import", async () => {
    await ensureProtoDeps(repo.dir);
    const files = listDepFiles(repo.dir).get("googleapis")!;
    for (const f of [
      "google/api/annotations.proto",
      "google/api/http.proto",
      "google/api/field_behavior.proto",
      "google/api/resource.proto",
      "google/rpc/status.proto",
      "google/rpc/error_details.proto",
      "google/rpc/code.proto",
    ]) {
      assert.ok(files.includes(f), `${f} not in the googleapis module`);
      assert.deepEqual(
        readFileSync(join(repo.dir, DEPS_DIR, "googleapis", f)),
        readFileSync(join(repoRoot, "node_modules/google-proto-files", f)),
      );
    }
  });

  it("prints buf/validate/validate.proto so that buf compiles it back to the descriptor @bufbuild/protovalidate ships", async () => {
    const { file_buf_validate_validate } = await import("@bufbuild/protovalidate/gen/buf/validate/validate_pb.js");
    const img = buildImage(join(DEPS_DIR, "protovalidate"), repo.dir);
    const compiled = img.files.find((f) => f.name === "buf/validate/validate.proto")!;
    assert.deepEqual(canonical(compiled, img.registry), canonical(file_buf_validate_validate.proto, img.registry));
    // The custom options really are there (the predefined CEL rules), not just the shapes.
    assert.match(
      JSON.stringify(canonical(compiled, img.registry)),
      /"\[buf\.validate\.predefined\]":\{"cel":\[\{"id":"string\.min_len"/,
    );
  });

  it("prints every proto2/proto3 file of the repo and its imports back to the same descriptors (printer round trip)", () => {
    const img = buildImage("proto", repoRoot);
    const dir = mkdtempSync(join(tmpdir(), "proto-print-"));
    try {
      // Well-known types come with buf; editions files the printer refuses (it only needs proto2 for validate.proto).
      const wkt = (n: string) =>
        n.startsWith("google/protobuf/") || img.files.find((f) => f.name === n)?.syntax === "editions";
      for (const f of img.files.filter((f) => !wkt(f.name))) {
        const file = img.registry.getFile(f.name)!;
        mkdirSync(dirname(join(dir, f.name)), { recursive: true });
        writeFileSync(join(dir, f.name), printProtoFile(file, img.registry));
      }
      writeFileSync(join(dir, "buf.yaml"), "version: v2\n");
      const again = buildImage(".", dir);
      for (const f of img.files.filter((f) => !wkt(f.name))) {
        const g = again.files.find((x) => x.name === f.name);
        assert.ok(g, `${f.name} not rebuilt`);
        assert.deepEqual(canonical(g, img.registry), canonical(f, img.registry), f.name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the third-party modules out of lint, format and breaking, but not our files", () => {
    // The printed validate.proto breaks STANDARD lint and is not buf-formatted: lint still passes (above).
    repo.edit("proto/acme/payments/v1/payments.proto", "string last4 = 2", "string Last4 = 2");
    try {
      const r = repo.script("lint", [], OFFLINE);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /proto\/acme\/payments\/v1\/payments\.proto:\d+:\d+:.*Last4/);
      assert.doesNotMatch(r.stdout + r.stderr, /\.deps\//);
    } finally {
      repo.git("checkout", "-q", "--", "proto");
    }
  });

  it("checks breaking changes against a ref whose buf.yaml names the gitignored modules", () => {
    repo.git("tag", "v1.0.0");
    const ok = repo.script("breaking", [], OFFLINE);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /no breaking changes against v1\.0\.0/);
    repo.edit("proto/acme/payments/v1/payments.proto", / {2}string reference = 2;\n/, "");
    try {
      const r = repo.script("breaking", [], OFFLINE);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /^proto\/acme\/payments\/v1\/payments\.proto:\d+:\d+: .*"reference".* \(FIELD_NO_DELETE\)$/m,
      );
      assert.doesNotMatch(r.stdout, /\.deps\/|google\/api|buf\/validate/);
    } finally {
      repo.git("checkout", "-q", "--", "proto");
      repo.git("tag", "-d", "v1.0.0");
    }
  });
});

// Unit tests of scripts/lib/codegen/codegen.ts: what `npm run generate` adds
// to buf's output and writes into packages/, in small temporary directories.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  describeImportCycles,
  diffTrees,
  listTree,
  pendingPackageFiles,
  pruneOrphanPackages,
  syncPackageFiles,
  writeEntryPoints,
} from "../../scripts/lib/codegen/codegen.js";
import { GENERATED_README_MARK } from "../../scripts/lib/codegen/package-plan.js";
import { protoPackagesOf } from "../../scripts/lib/codegen/protos.js";
import { schemaOf } from "../support/descriptors.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "codegen-"));
  dirs.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

const ROOT_PACKAGE = JSON.stringify({
  name: "schemas",
  version: "0.0.0-development",
  config: { scope: "@acme", protoOrg: "acme" },
  devDependencies: { "@bufbuild/protobuf": "2.13.0" },
});

const schema = schemaOf([
  { name: "acme/shop/v1/items.proto", package: "acme.shop.v1", messages: [{ name: "Item" }] },
  { name: "acme/shop/v1/carts.proto", package: "acme.shop.v1", messages: [{ name: "Cart" }] },
]);

describe("writeEntryPoints", () => {
  it("writes one barrel per proto package from the file constants protoc-gen-es exported, and the registry helper", () => {
    const gen = tree({
      "acme/shop/v1/carts_pb.ts": "export const file_acme_shop_v1_carts: GenFile = x;\n",
      "acme/shop/v1/items_pb.ts": "export const file_acme_shop_v1_items: GenFile = x;\n",
    });
    writeEntryPoints(gen, protoPackagesOf(schema, "acme"));
    assert.deepEqual(listTree(gen), [
      "acme/shop/v1/carts_pb.ts",
      "acme/shop/v1/index.ts",
      "acme/shop/v1/items_pb.ts",
      "file-registry.ts",
    ]);
    assert.match(
      readFileSync(join(gen, "acme/shop/v1/index.ts"), "utf8"),
      /fileRegistry\(file_acme_shop_v1_carts, file_acme_shop_v1_items\)/,
    );
  });

  it("names the generated file that lacks its file constant", () => {
    const gen = tree({
      "acme/shop/v1/carts_pb.ts": "export const file_acme_shop_v1_carts: GenFile = x;\n",
      "acme/shop/v1/items_pb.ts": "export {};\n",
    });
    assert.throws(
      () => writeEntryPoints(gen, protoPackagesOf(schema, "acme")),
      /acme\/shop\/v1\/items_pb\.ts: protoc-gen-es wrote no `export const file_\.\.\.: GenFile`/,
    );
  });
});

describe("diffTrees", () => {
  it("tells stale, missing and left-over files apart", () => {
    const expected = tree({ "a.ts": "1", "b/c.ts": "2", "d.ts": "3" });
    const actual = tree({ "a.ts": "1", "b/c.ts": "changed", "e.ts": "4" });
    assert.deepEqual(diffTrees(expected, actual), { stale: ["b/c.ts"], missing: ["d.ts"], extra: ["e.ts"] });
  });
});

describe("package files", () => {
  it("writes the planned package.json and README, then finds nothing pending", () => {
    const root = tree({ "package.json": ROOT_PACKAGE });
    const pending = pendingPackageFiles(schema, root);
    assert.deepEqual(
      pending.map((c) => `${c.path} ${c.created}`),
      ["packages/shop/package.json true", "packages/shop/README.md true"],
    );
    assert.deepEqual(syncPackageFiles(schema, root), pending);
    assert.equal(JSON.parse(readFileSync(join(root, "packages/shop/package.json"), "utf8")).name, "@acme/shop");
    assert.deepEqual(pendingPackageFiles(schema, root), []);
  });

  it("removes an unplanned package dir holding only generated files, and keeps one with hand-written files", () => {
    const root = tree({
      "package.json": ROOT_PACKAGE,
      "packages/gone/README.md": `${GENERATED_README_MARK}\n# gone\n`,
      "packages/gone/dist/index.js": "",
      "packages/kept/src/index.ts": "export {};\n",
    });
    assert.deepEqual(pruneOrphanPackages(schema, root), ["packages/gone"]);
    assert.equal(existsSync(join(root, "packages/gone")), false);
    assert.equal(existsSync(join(root, "packages/kept/src/index.ts")), true);
  });
});

describe("describeImportCycles", () => {
  it("names every file of a cycle with the line of its import; files outside it are left out", () => {
    const root = tree({
      "proto/a/a.proto": 'syntax = "proto3";\npackage a;\nimport "b/b.proto";\n',
      "proto/b/b.proto": 'syntax = "proto3";\npackage b;\n\nimport public "a/a.proto";\nimport "c/c.proto";\n',
      "proto/c/c.proto": 'syntax = "proto3";\npackage c;\n',
    });
    assert.deepEqual(describeImportCycles(root), [
      'import cycle: proto/a/a.proto:3 imports "b/b.proto", proto/b/b.proto:4 imports "a/a.proto"; break it by moving the shared messages into one file',
    ]);
    rmSync(join(root, "proto/b/b.proto"));
    assert.deepEqual(describeImportCycles(root), []);
  });
});

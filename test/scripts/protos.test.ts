// Unit tests of scripts/lib/codegen/protos.ts and the image reader it uses
// (scripts/lib/schema/image-registry.ts), on schemas built in memory.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { familiesOf, familyOf, familyOfDir, protoPackagesOf } from "../../scripts/lib/codegen/protos.js";
import { importsWithLines, isImportFile, ownFileDescs } from "../../scripts/lib/schema/image-registry.js";
import { EMPTY_PROTO, fileProto, schemaOf } from "../support/descriptors.js";

describe("familyOf: proto package -> npm family", () => {
  const cases: [string, string, string, string][] = [
    ["acme.greeter.v1", "greeter", "v1", "./v1"],
    ["acme.payments.v1beta2", "payments", "v1beta2", "./v1beta2"],
    ["grpc.health.v1", "grpc-health", "v1", "./v1"],
    ["httpgrpc", "httpgrpc", "", "."],
    ["acme.order_history.v2", "order-history", "v2", "./v2"],
    ["acme.tools", "tools", "", "."],
  ];
  for (const [pkg, family, version, subpath] of cases) {
    it(`maps ${pkg} to ${family} ${subpath}`, () => {
      assert.deepEqual(familyOf(pkg, "acme"), { family, version, subpath });
    });
  }

  it("reads a family from a directory under proto/ as from the package it holds", () => {
    assert.equal(familyOfDir("acme/greeter/v1", "acme"), "greeter");
    assert.equal(familyOfDir("grpc/health/v1", "acme"), "grpc-health");
    assert.equal(familyOfDir("", "acme"), "");
  });
});

describe("protoPackagesOf: proto packages from the image", () => {
  const schema = schemaOf([
    EMPTY_PROTO,
    { name: "acme/shop/v1/items.proto", package: "acme.shop.v1" },
    { name: "acme/shop/v1/carts.proto", package: "acme.shop.v1", imports: ["acme/shop/v1/items.proto"] },
    { name: "acme/shop/v2/carts.proto", package: "acme.shop.v2" },
    { name: "httpgrpc/httpgrpc.proto", package: "httpgrpc" },
  ]);

  it("groups the own files by package, packages by name and files by path; imports are left out", () => {
    assert.deepEqual(protoPackagesOf(schema, "acme"), [
      {
        name: "acme.shop.v1",
        files: ["acme/shop/v1/carts.proto", "acme/shop/v1/items.proto"],
        dir: "acme/shop/v1",
        family: "shop",
        version: "v1",
        subpath: "./v1",
      },
      {
        name: "acme.shop.v2",
        files: ["acme/shop/v2/carts.proto"],
        dir: "acme/shop/v2",
        family: "shop",
        version: "v2",
        subpath: "./v2",
      },
      {
        name: "httpgrpc",
        files: ["httpgrpc/httpgrpc.proto"],
        dir: "httpgrpc",
        family: "httpgrpc",
        version: "",
        subpath: ".",
      },
    ]);
  });

  it("groups packages into families, each family's entry points distinct", () => {
    const families = familiesOf(protoPackagesOf(schema, "acme"));
    assert.deepEqual([...families.keys()], ["httpgrpc", "shop"]);
    assert.deepEqual(
      families.get("shop")!.map((p) => p.subpath),
      ["./v1", "./v2"],
    );
  });

  it("refuses two packages that would be published as the same entry point, naming both", () => {
    const clash = schemaOf([
      { name: "acme/shop/v1/a.proto", package: "acme.shop.v1" },
      { name: "shop/v1/b.proto", package: "shop.v1" },
    ]);
    assert.throws(
      () => familiesOf(protoPackagesOf(clash, "acme")),
      /proto packages acme\.shop\.v1 and shop\.v1 would both be published as shop \.\/v1; rename one/,
    );
  });

  it("refuses a file without a package statement, naming it", () => {
    const bare = schemaOf([{ name: "acme/misc.proto", package: "" }]);
    assert.throws(() => protoPackagesOf(bare, "acme"), /^Error: proto\/acme\/misc\.proto: no package statement/);
  });
});

describe("the image reader", () => {
  it("tells buf's imports from the module's own files", () => {
    assert.equal(isImportFile(fileProto(EMPTY_PROTO)), true);
    assert.equal(isImportFile(fileProto({ name: "a.proto", package: "a" })), false);
    const schema = schemaOf([EMPTY_PROTO, { name: "a/v1/a.proto", package: "a.v1", imports: [EMPTY_PROTO.name] }]);
    assert.deepEqual([...schema.ownFiles], ["a/v1/a.proto"]);
    assert.deepEqual(
      ownFileDescs(schema).map((f) => f.proto.name),
      ["a/v1/a.proto"],
    );
  });

  it("gives each import with the line of its import statement, from the source info", () => {
    const schema = schemaOf([
      EMPTY_PROTO,
      { name: "a/v1/b.proto", package: "a.v1" },
      { name: "a/v1/a.proto", package: "a.v1", imports: ["a/v1/b.proto", EMPTY_PROTO.name] },
    ]);
    assert.deepEqual(importsWithLines(schema.registry.getFile("a/v1/a.proto")!), [
      { name: "a/v1/b.proto", line: 3 },
      { name: "google/protobuf/empty.proto", line: 4 },
    ]);
  });
});

// Unit tests of the keys that decide what incremental `npm run generate`
// regenerates (scripts/lib/codegen/gen-incremental.ts), on in-memory schemas.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unitKeys } from "../../scripts/lib/codegen/gen-incremental.js";
import { EMPTY_PROTO, type FileSpec, schemaOf } from "../support/descriptors.js";

const money: FileSpec = {
  name: "acme/common/v1/money.proto",
  package: "acme.common.v1",
  messages: [{ name: "Money" }],
};
const shop: FileSpec = {
  name: "acme/shop/v1/shop.proto",
  package: "acme.shop.v1",
  imports: [money.name, EMPTY_PROTO.name],
  messages: [{ name: "Item" }],
};
const other: FileSpec = { name: "acme/other/v1/other.proto", package: "acme.other.v1", messages: [{ name: "A" }] };
const validate: FileSpec = { name: "buf/validate/validate.proto", package: "buf.validate", isImport: true };

const keys = (files: FileSpec[], skip: string[] = []) =>
  new Map([...unitKeys(schemaOf(files), new Set(skip))].map(([out, u]) => [out, u.key]));

describe("unitKeys", () => {
  it("names one generated file per proto, but none for the well-known types or a skipped module", () => {
    const units = unitKeys(schemaOf([EMPTY_PROTO, validate, money, shop]), new Set([validate.name]));
    assert.deepEqual([...units.keys()].sort(), ["acme/common/v1/money_pb.ts", "acme/shop/v1/shop_pb.ts"]);
    assert.equal(units.get("acme/shop/v1/shop_pb.ts")?.proto, shop.name);
  });

  it("gives the same keys to the same schema", () => {
    assert.deepEqual(keys([EMPTY_PROTO, money, shop, other]), keys([EMPTY_PROTO, money, shop, other]));
  });

  it("changes the key of a changed file and of every file importing it, and no other", () => {
    const before = keys([EMPTY_PROTO, money, shop, other]);
    const after = keys([
      EMPTY_PROTO,
      { ...money, messages: [{ name: "Money", fields: [{ name: "units", number: 1, type: "int64" }] }] },
      shop,
      other,
    ]);
    assert.notEqual(after.get("acme/common/v1/money_pb.ts"), before.get("acme/common/v1/money_pb.ts"));
    assert.notEqual(after.get("acme/shop/v1/shop_pb.ts"), before.get("acme/shop/v1/shop_pb.ts"), "importer rekeyed");
    assert.equal(after.get("acme/other/v1/other_pb.ts"), before.get("acme/other/v1/other_pb.ts"));
  });

  it("changes the key on a comment change (the generated code carries comments)", () => {
    const before = keys([other]);
    const after = keys([{ ...other, comment: " A is new.\n" }]);
    assert.notEqual(after.get("acme/other/v1/other_pb.ts"), before.get("acme/other/v1/other_pb.ts"));
  });
});

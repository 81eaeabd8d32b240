// Unit tests of scripts/lib/schema/schema-diff.ts (the PR summary's element
// diff), on two schemas built in memory.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffSchemas, schemaElements } from "../../scripts/lib/schema/schema-diff.js";
import { EMPTY_PROTO, type FileSpec, schemaOf } from "../support/descriptors.js";

const service: FileSpec["services"] = [
  {
    name: "ShopService",
    methods: [
      { name: "GetItem", input: ".acme.shop.v1.Item", output: ".acme.shop.v1.Item" },
      { name: "Watch", input: ".google.protobuf.Empty", output: ".acme.shop.v1.Item", serverStreaming: true },
    ],
  },
];

const base = schemaOf([
  EMPTY_PROTO,
  {
    name: "acme/shop/v1/shop.proto",
    package: "acme.shop.v1",
    imports: [EMPTY_PROTO.name],
    messages: [
      {
        name: "Item",
        fields: [
          { name: "id", number: 1, type: "string" },
          { name: "note", number: 2, type: "string" },
        ],
      },
      { name: "Old" },
      { name: "Mover", fields: [{ name: "x", number: 1, type: "bool" }] },
    ],
    services: service,
  },
  { name: "acme/other/v1/other.proto", package: "acme.other.v1", messages: [{ name: "A" }], comment: " A.\n" },
  { name: "acme/same/v1/same.proto", package: "acme.same.v1", messages: [{ name: "B" }] },
]);

const head = schemaOf([
  EMPTY_PROTO,
  {
    name: "acme/shop/v1/shop.proto",
    package: "acme.shop.v1",
    imports: [EMPTY_PROTO.name],
    messages: [
      {
        name: "Item",
        fields: [
          { name: "id", number: 1, type: "string", deprecated: true },
          { name: "note", number: 2, type: "int64" },
          { name: "tags", number: 3, type: "string", repeated: true },
        ],
      },
    ],
    services: service,
  },
  {
    name: "acme/shop/v1/mover.proto",
    package: "acme.shop.v1",
    messages: [{ name: "Mover", fields: [{ name: "x", number: 1, type: "bool" }] }],
  },
  {
    name: "acme/other/v1/other.proto",
    package: "acme.other.v1",
    messages: [{ name: "A" }],
    comment: " A, reworded.\n",
  },
  { name: "acme/same/v1/same.proto", package: "acme.same.v1", messages: [{ name: "B" }] },
]);

describe("schemaElements", () => {
  it("lists the own files' services, methods, messages and fields with their shape, not the imports'", () => {
    const els = schemaElements(base);
    assert.deepEqual(els.get("method:acme.shop.v1.ShopService.Watch"), {
      kind: "method",
      name: "acme.shop.v1.ShopService.Watch",
      pkg: "acme.shop.v1",
      file: "acme/shop/v1/shop.proto",
      deprecated: false,
      detail: "(google.protobuf.Empty) returns (stream acme.shop.v1.Item)",
    });
    assert.equal(els.get("field:acme.shop.v1.Item.note")?.detail, "string note = 2");
    assert.equal(els.has("service:acme.shop.v1.ShopService"), true);
    assert.equal(
      [...els.keys()].some((k) => k.includes("google.protobuf")),
      false,
    );
  });
});

describe("diffSchemas", () => {
  const diff = diffSchemas(base, head);
  const names = (xs: { kind: string; name: string }[]) => xs.map((e) => `${e.kind} ${e.name}`);

  it("lists what was added and removed", () => {
    assert.deepEqual(names(diff.added), ["field acme.shop.v1.Item.tags"]);
    assert.equal(diff.added[0].detail, "repeated string tags = 3");
    assert.deepEqual(names(diff.removed), ["message acme.shop.v1.Old"]);
  });

  it("lists what became deprecated, and what changed shape or file", () => {
    assert.deepEqual(names(diff.deprecated), ["field acme.shop.v1.Item.id"]);
    assert.deepEqual(
      diff.changed.map((e) => `${e.name}: ${e.detail}`),
      [
        "acme.shop.v1.Item.note: int64 note = 2",
        "acme.shop.v1.Mover: moved from acme/shop/v1/shop.proto to acme/shop/v1/mover.proto",
      ],
    );
  });

  it("counts a comment-only change as touching its package, and leaves unchanged packages out", () => {
    assert.deepEqual(diff.touchedPackages, ["acme.other.v1", "acme.shop.v1"]);
  });

  it("finds nothing between a schema and itself", () => {
    assert.deepEqual(diffSchemas(head, head), {
      touchedPackages: [],
      added: [],
      removed: [],
      deprecated: [],
      changed: [],
    });
  });
});

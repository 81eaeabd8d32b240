// The wire contracts of httpgrpc and grpc.health.v1, byte for byte: the
// expected bytes are written out by hand from field numbers and wire types,
// so a renamed or renumbered field in proto/ fails here even if both sides of
// our own code would still agree with each other.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { HTTP, HTTPRequestSchema, HTTPResponseSchema, HeaderSchema } from "../gen/httpgrpc/index.js";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListResponseSchema,
} from "../gen/grpc/health/v1/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const path = (svc: { typeName: string }, method: { name: string }) => `/${svc.typeName}/${method.name}`;

describe("httpgrpc wire contract", () => {
  it("encodes HTTPRequest as method=1, url=2, headers=3, body=4", () => {
    const req = create(HTTPRequestSchema, {
      method: "GET",
      url: "/x?y=1",
      headers: [{ key: "A", values: ["1", "2"] }],
      body: Uint8Array.of(0x00, 0xff),
    });
    assert.equal(
      hex(toBinary(HTTPRequestSchema, req)),
      hex(
        bytes(`
        0a 03 474554
        12 06 2f783f793d31
        1a 09 0a0141 120131 120132
        22 02 00ff`),
      ),
    );
  });

  it("encodes HTTPResponse as Code=1 (varint), headers=2, body=3", () => {
    const res = create(HTTPResponseSchema, {
      Code: 503,
      headers: [{ key: "Retry-After", values: ["1"] }],
      body: new TextEncoder().encode("x"),
    });
    assert.equal(
      hex(toBinary(HTTPResponseSchema, res)),
      hex(bytes("08 f703  12 10 0a0b52657472792d4166746572 120131  1a 01 78")),
    );
  });

  it("keeps the upstream JSON name Code", () => {
    assert.deepEqual(toJson(HTTPResponseSchema, create(HTTPResponseSchema, { Code: 200 })), { Code: 200 });
  });

  it("encodes Header as key=1, values=2 (repeated)", () => {
    assert.equal(
      hex(toBinary(HeaderSchema, create(HeaderSchema, { key: "k", values: ["a", "b"] }))),
      "0a016b1201611201" + "62",
    );
  });

  it("skips unknown fields a newer peer may send", () => {
    const withUnknown = bytes("0a03474554 f806 01"); // method=GET, then field 111 varint 1
    assert.equal(fromBinary(HTTPRequestSchema, withUnknown).method, "GET");
  });

  it("is served at /httpgrpc.HTTP/Handle as a unary call", () => {
    assert.equal(path(HTTP, HTTP.method.handle), "/httpgrpc.HTTP/Handle");
    assert.equal(HTTP.method.handle.methodKind, "unary");
    assert.equal(HTTP.method.handle.input.typeName, "httpgrpc.HTTPRequest");
    assert.equal(HTTP.method.handle.output.typeName, "httpgrpc.HTTPResponse");
  });
});

describe("grpc.health.v1 wire contract", () => {
  it("encodes HealthCheckRequest as service=1", () => {
    assert.equal(hex(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: "x" }))), "0a0178");
  });

  it("encodes HealthCheckResponse as status=1 with SERVING=1, NOT_SERVING=2, SERVICE_UNKNOWN=3", () => {
    const enc = (status: ServingStatus) =>
      hex(toBinary(HealthCheckResponseSchema, create(HealthCheckResponseSchema, { status })));
    assert.equal(enc(ServingStatus.UNKNOWN), "");
    assert.equal(enc(ServingStatus.SERVING), "0801");
    assert.equal(enc(ServingStatus.NOT_SERVING), "0802");
    assert.equal(enc(ServingStatus.SERVICE_UNKNOWN), "0803");
  });

  it("encodes HealthListResponse.statuses as map entries key=1, value=2", () => {
    const res = create(HealthListResponseSchema, { statuses: { a: { status: ServingStatus.NOT_SERVING } } });
    assert.equal(hex(toBinary(HealthListResponseSchema, res)), hex(bytes("0a 07 0a0161 12020802")));
  });

  it("serves Check and List unary and Watch server-streaming under /grpc.health.v1.Health/", () => {
    assert.equal(path(Health, Health.method.check), "/grpc.health.v1.Health/Check");
    assert.equal(path(Health, Health.method.watch), "/grpc.health.v1.Health/Watch");
    assert.equal(path(Health, Health.method.list), "/grpc.health.v1.Health/List");
    assert.equal(Health.method.check.methodKind, "unary");
    assert.equal(Health.method.watch.methodKind, "server_streaming");
    assert.equal(Health.method.list.methodKind, "unary");
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { HTTPRequestSchema, HTTPResponseSchema } from "../src/gen.js";
import { decodeHTTPRequest, decodeHTTPResponse, encodeHTTPRequest, encodeHTTPResponse } from "../src/wire/codec.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const requests = [
  create(HTTPRequestSchema, {}),
  create(HTTPRequestSchema, { method: "GET", url: "/" }),
  create(HTTPRequestSchema, {
    method: "POST",
    url: "/api/v1/push?x=é",
    headers: [{ key: "X-Scope-Orgid", values: ["team-a"] }, { key: "X-Multi", values: ["1", "", "ünï"] }, { key: "", values: [] }, { key: "Empty", values: [] }],
    body: new Uint8Array(300).map((_, i) => i),
  }),
];
const responses = [
  create(HTTPResponseSchema, {}),
  create(HTTPResponseSchema, { Code: 200, body: new Uint8Array(200_000).fill(7) }),
  create(HTTPResponseSchema, { Code: 503, headers: [{ key: "Retry-After", values: ["3"] }] }),
  create(HTTPResponseSchema, { Code: -1 }), // int32 negative: 10-byte varint on the wire
];

test("encoders write exactly what @bufbuild/protobuf's toBinary writes, after a 5-byte gRPC prefix", () => {
  for (const r of requests) {
    const framed = encodeHTTPRequest(r);
    assert.equal(framed[0], 0);
    assert.equal(framed.readUInt32BE(1), framed.length - 5);
    assert.equal(hex(framed.subarray(5)), hex(toBinary(HTTPRequestSchema, r)));
    assert.equal(hex(encodeHTTPRequest(r, false)), hex(toBinary(HTTPRequestSchema, r)));
  }
  for (const r of responses) {
    assert.equal(hex(encodeHTTPResponse(r).subarray(5)), hex(toBinary(HTTPResponseSchema, r)));
  }
});

test("decoders read what toBinary wrote", () => {
  for (const r of requests) assert.deepEqual(decodeHTTPRequest(toBinary(HTTPRequestSchema, r)), fromBinary(HTTPRequestSchema, toBinary(HTTPRequestSchema, r)));
  for (const r of responses) assert.deepEqual(decodeHTTPResponse(toBinary(HTTPResponseSchema, r)), fromBinary(HTTPResponseSchema, toBinary(HTTPResponseSchema, r)));
});

test("unknown fields of every wire type are skipped", () => {
  const base = toBinary(HTTPResponseSchema, responses[2]);
  const unknown = Buffer.from([
    0x28, 0x96, 0x01, // field 5 varint
    0x31, 1, 2, 3, 4, 5, 6, 7, 8, // field 6 fixed64
    0x3a, 0x02, 0x41, 0x42, // field 7 bytes
    0x45, 1, 2, 3, 4, // field 8 fixed32
  ]);
  const got = decodeHTTPResponse(Buffer.concat([unknown, base, unknown]));
  assert.equal(got.Code, 503);
  assert.deepEqual(got.headers.map((h) => [h.key, h.values]), [["Retry-After", ["3"]]]);
  const req = decodeHTTPRequest(Buffer.concat([toBinary(HTTPRequestSchema, requests[1]), unknown]));
  assert.equal(req.url, "/");
});

test("malformed input throws instead of returning garbage", () => {
  assert.throws(() => decodeHTTPRequest(Buffer.from([0x12, 0x05, 0x2f])), /truncated/);
  assert.throws(() => decodeHTTPResponse(Buffer.from([0x08])), /truncated varint/);
  assert.throws(() => decodeHTTPResponse(Buffer.from([0x0b])), /unsupported wire type 3/);
});

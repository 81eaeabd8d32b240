import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { HTTPRequestSchema, HTTPResponseSchema } from "../src/gen.js";
import {
  decodeHTTPRequest,
  decodeHTTPResponse,
  decodeHTTPResponsePieces,
  encodeHTTPRequest,
  encodeHTTPResponse,
  encodeHTTPResponsePieces,
} from "../src/wire/codec.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const requests = [
  create(HTTPRequestSchema, {}),
  create(HTTPRequestSchema, { method: "GET", url: "/" }),
  create(HTTPRequestSchema, {
    method: "POST",
    url: "/api/v1/push?x=é",
    headers: [
      { key: "X-Scope-Orgid", values: ["team-a"] },
      { key: "X-Multi", values: ["1", "", "ünï"] },
      { key: "", values: [] },
      { key: "Empty", values: [] },
    ],
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
  for (const r of requests)
    assert.deepEqual(
      decodeHTTPRequest(toBinary(HTTPRequestSchema, r)),
      fromBinary(HTTPRequestSchema, toBinary(HTTPRequestSchema, r)),
    );
  for (const r of responses)
    assert.deepEqual(
      decodeHTTPResponse(toBinary(HTTPResponseSchema, r)),
      fromBinary(HTTPResponseSchema, toBinary(HTTPResponseSchema, r)),
    );
});

test("unknown fields of every wire type are skipped", () => {
  const base = toBinary(HTTPResponseSchema, responses[2]);
  const unknown = Buffer.from([
    0x28,
    0x96,
    0x01, // field 5 varint
    0x31,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8, // field 6 fixed64
    0x3a,
    0x02,
    0x41,
    0x42, // field 7 bytes
    0x45,
    1,
    2,
    3,
    4, // field 8 fixed32
  ]);
  const got = decodeHTTPResponse(Buffer.concat([unknown, base, unknown]));
  assert.equal(got.Code, 503);
  assert.deepEqual(
    got.headers.map((h) => [h.key, h.values]),
    [["Retry-After", ["3"]]],
  );
  const req = decodeHTTPRequest(Buffer.concat([toBinary(HTTPRequestSchema, requests[1]), unknown]));
  assert.equal(req.url, "/");
});

test("malformed input throws instead of returning garbage", () => {
  assert.throws(() => decodeHTTPRequest(Buffer.from([0x12, 0x05, 0x2f])), /truncated/);
  assert.throws(() => decodeHTTPResponse(Buffer.from([0x08])), /truncated varint/);
  assert.throws(() => decodeHTTPResponse(Buffer.from([0x0b])), /unsupported wire type 3/);
});

test("a response in pieces decodes with its body as views of them, wherever the pieces are cut", () => {
  const resp = create(HTTPResponseSchema, {
    Code: 503,
    headers: [{ key: "Retry-After", values: ["7"] }],
    body: new Uint8Array(5000).map((_, i) => i * 7),
  });
  const bytes = Buffer.from(toBinary(HTTPResponseSchema, resp));
  for (const cuts of [[], [bytes.length - 1], [40, 41, 2000], [30, 4999]]) {
    const pieces: Buffer[] = [];
    let at = 0;
    for (const c of [...cuts, bytes.length]) {
      pieces.push(bytes.subarray(at, c));
      at = c;
    }
    const got = decodeHTTPResponsePieces(pieces, bytes.length);
    if (cuts[0] !== undefined && cuts[0] < 30) continue;
    assert.ok(got, `cut at ${cuts.join(",")}`);
    assert.equal(got.resp.Code, 503);
    assert.deepEqual(
      got.resp.headers.map((h) => [h.key, h.values]),
      [["Retry-After", ["7"]]],
    );
    assert.ok(Buffer.concat(got.body).equals(Buffer.from(resp.body)));
    assert.ok(
      got.body.every((b) => b.buffer === bytes.buffer),
      "views, not copies",
    );
  }
  // Headers cut by the first piece boundary, or a body that is not the last field: undefined, so
  // the caller joins the pieces and decodes them whole.
  assert.equal(decodeHTTPResponsePieces([bytes.subarray(0, 6), bytes.subarray(6)], bytes.length), undefined);
  const bodyFirst = Buffer.concat([Buffer.from([0x1a, 2, 1, 2]), Buffer.from([0x08, 200, 1])]);
  assert.equal(
    decodeHTTPResponsePieces([bodyFirst.subarray(0, 3), bodyFirst.subarray(3)], bodyFirst.length),
    undefined,
  );
  assert.equal(decodeHTTPResponse(bodyFirst).Code, 200);
});

test("a response encoded in pieces is the same bytes, with a large body left uncopied", () => {
  for (const size of [0, 10, 16 * 1024 - 1, 16 * 1024, 300_000]) {
    const resp = create(HTTPResponseSchema, {
      Code: 200,
      headers: [{ key: "A", values: ["b"] }],
      body: new Uint8Array(size).map((_, i) => i),
    });
    const pieces = encodeHTTPResponsePieces(resp);
    assert.equal(hex(Buffer.concat(pieces)), hex(encodeHTTPResponse(resp)), `body of ${size}`);
    assert.equal(pieces.length, size >= 16 * 1024 ? 2 : 1);
    if (pieces.length === 2) assert.equal(pieces[1].buffer, resp.body.buffer, "the body is a view, not a copy");
  }
});

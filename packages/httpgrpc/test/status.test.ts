import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import protobuf from "protobufjs";
import {
  decodeStatus,
  encodeStatus,
  errorf,
  errorFromHTTPResponse,
  HTTP_RESPONSE_TYPE_URL,
  httpResponseFromError,
} from "../src/errors.js";
import { HTTPResponseSchema } from "../src/gen.js";

// An independent encoder for google.rpc.Status (protobufjs, from the googleapis definition).
const root = protobuf.parse(`
  syntax = "proto3";
  package google.rpc;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
`).root;
const StatusType = root.lookupType("google.rpc.Status");

const sample = create(HTTPResponseSchema, {
  Code: 503,
  headers: [
    { key: "Retry-After", values: ["3"] },
    { key: "X-Multi", values: ["a", "b"] },
  ],
  body: new TextEncoder().encode("down for maintenance"),
});

test("encodeStatus matches an independent encoder byte for byte", () => {
  const value = toBinary(HTTPResponseSchema, sample);
  const ours = encodeStatus({
    code: 503,
    message: "down for maintenance",
    details: [{ typeUrl: HTTP_RESPONSE_TYPE_URL, value }],
  });
  const theirs = StatusType.encode(
    StatusType.fromObject({
      code: 503,
      message: "down for maintenance",
      details: [{ typeUrl: HTTP_RESPONSE_TYPE_URL, value }],
    }),
  ).finish();
  assert.equal(Buffer.from(ours).toString("hex"), Buffer.from(theirs).toString("hex"));
});

test("encodeStatus of a small status is the exact proto3 wire bytes", () => {
  const got = encodeStatus({
    code: 500,
    message: "boom",
    details: [{ typeUrl: "t/x", value: new Uint8Array([1, 2]) }],
  });
  // 08 f4 03 = code 500; 12 04 "boom"; 1a 09 (0a 03 "t/x" 12 02 01 02)
  assert.equal(
    Buffer.from(got).toString("hex"),
    `08f4031204${Buffer.from("boom").toString("hex")}${"1a090a03742f78120201 02".replace(" ", "")}`,
  );
  // Defaults are omitted, as by proto3 marshallers.
  assert.equal(encodeStatus({ code: 0, message: "", details: [] }).length, 0);
});

test("decodeStatus reads what protobufjs wrote and skips unknown fields", () => {
  const bytes = StatusType.encode(
    StatusType.fromObject({ code: 429, message: "slow down", details: [{ typeUrl: "a/b", value: Buffer.from([9]) }] }),
  ).finish();
  const withUnknown = Buffer.concat([bytes, Buffer.from([0x20, 0x05, 0x2a, 0x01, 0x41])]); // field 4 varint, field 5 bytes
  const s = decodeStatus(withUnknown);
  assert.equal(s.code, 429);
  assert.equal(s.message, "slow down");
  assert.deepEqual(
    s.details.map((d) => [d.typeUrl, [...d.value]]),
    [["a/b", [9]]],
  );
  assert.throws(() => decodeStatus(new Uint8Array([0x12, 0x09, 0x41])));
});

test("errorFromHTTPResponse: code is the HTTP status, message the body, one HTTPResponse detail", () => {
  const err = errorFromHTTPResponse(sample);
  assert.equal(err.code as number, 503);
  assert.equal(err.rawMessage, "down for maintenance");
  assert.equal(err.details.length, 1);
  const back = httpResponseFromError(err);
  assert.ok(back);
  assert.equal(back.Code, 503);
  assert.deepEqual(
    back.headers.map((h) => [h.key, h.values]),
    [
      ["Retry-After", ["3"]],
      ["X-Multi", ["a", "b"]],
    ],
  );
  assert.equal(new TextDecoder().decode(back.body), "down for maintenance");
  assert.equal(errorFromHTTPResponse(sample, "custom").rawMessage, "custom");
});

test("messages are made valid UTF-8", () => {
  const bad = create(HTTPResponseSchema, { Code: 500, body: new Uint8Array([0x6f, 0x6b, 0xff, 0xfe, 0x21]) });
  assert.equal(errorFromHTTPResponse(bad).rawMessage, "ok\uFFFD\uFFFD!");
  assert.equal(errorFromHTTPResponse(bad, "x\uD800y").rawMessage, "x\uFFFDy");
});

test("errorf formats the body like upstream Errorf", () => {
  const err = errorf(429, "tenant %s over limit %d", "t1", 10);
  assert.equal(err.code as number, 429);
  assert.equal(new TextDecoder().decode(httpResponseFromError(err)!.body), "tenant t1 over limit 10");
});

test("httpResponseFromError: not an httpgrpc error unless exactly one HTTPResponse detail", () => {
  assert.equal(httpResponseFromError(new Error("plain")), undefined);
  assert.equal(httpResponseFromError(new ConnectError("no details", 14)), undefined);
  const two = errorFromHTTPResponse(sample);
  two.details.push(two.details[0]);
  assert.equal(httpResponseFromError(two), undefined);
  const other = new ConnectError("other", 500 as never);
  other.details.push({ type: "google.rpc.DebugInfo", value: new Uint8Array() });
  assert.equal(httpResponseFromError(other), undefined);
  // A grpc-js style error: the Status arrives in metadata as a Buffer.
  const bin = Buffer.from(
    encodeStatus({
      code: 503,
      message: "m",
      details: [{ typeUrl: "x.example/httpgrpc.HTTPResponse", value: toBinary(HTTPResponseSchema, sample) }],
    }),
  );
  const grpcJsErr = { code: 503, metadata: { get: (k: string) => (k === "grpc-status-details-bin" ? [bin] : []) } };
  assert.equal(httpResponseFromError(grpcJsErr)?.Code, 503);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { SingleMessageReader } from "../src/grpc/framing.js";
import {
  decodeGrpcMessage,
  encodeBinaryHeader,
  encodeGrpcMessage,
  formatGrpcTimeout,
  parseGrpcTimeout,
} from "../src/grpc/headers.js";

const framed = (payload: number[], flag = 0) => Buffer.from([flag, 0, 0, 0, payload.length, ...payload]);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return ConnectError.from(e).code;
  }
  return undefined;
};

test("a message split anywhere across chunks is reassembled", () => {
  const msg = framed([1, 2, 3, 4, 5, 6, 7]);
  for (let a = 0; a <= msg.length; a++) {
    for (let b = a; b <= msg.length; b++) {
      const r = new SingleMessageReader(100, "m");
      for (const part of [msg.subarray(0, a), msg.subarray(a, b), msg.subarray(b)]) if (part.length) r.push(part);
      assert.deepEqual([...r.finish()], [1, 2, 3, 4, 5, 6, 7]);
    }
  }
});

test("oversized (from the prefix alone), compressed, doubled, truncated and missing messages are refused", () => {
  const big = new SingleMessageReader(10, "request message");
  assert.throws(
    () => big.push(Buffer.from([0, 0, 0x10, 0, 0])),
    /request message of 1048576 bytes is larger than the limit of 10 bytes/,
  );
  assert.equal(
    code(() => new SingleMessageReader(10, "m").push(Buffer.from([0, 0, 0x10, 0, 0]))),
    Code.ResourceExhausted,
  );
  assert.equal(
    code(() => new SingleMessageReader(10, "m").push(framed([1], 1))),
    Code.Unimplemented,
  );
  assert.equal(
    code(() => new SingleMessageReader(10, "m").push(Buffer.concat([framed([1]), framed([2])]))),
    Code.Unimplemented,
  );
  const short = new SingleMessageReader(10, "m");
  short.push(framed([1, 2, 3]).subarray(0, 6));
  assert.equal(
    code(() => short.finish()),
    Code.Internal,
  );
  assert.equal(
    code(() => new SingleMessageReader(10, "m").finish()),
    Code.Unimplemented,
  );
  const empty = new SingleMessageReader(10, "m");
  empty.push(framed([]));
  assert.equal(empty.finish().length, 0);
});

test("grpc-message percent-encoding as grpc-go: printable ASCII but % as is, other bytes %XX", () => {
  assert.equal(encodeGrpcMessage("plain text: ok"), "plain text: ok");
  assert.equal(encodeGrpcMessage("100% é\n"), "100%25 %C3%A9%0A");
  assert.equal(decodeGrpcMessage("100%25 %C3%A9%0A"), "100% é\n");
  assert.equal(decodeGrpcMessage("bad %ZZ and %FF"), "bad %ZZ and \uFFFD");
});

test("grpc-timeout and binary headers", () => {
  assert.equal(parseGrpcTimeout("250m"), 250);
  assert.equal(parseGrpcTimeout("2S"), 2000);
  assert.equal(parseGrpcTimeout("1H"), 3_600_000);
  assert.equal(parseGrpcTimeout("5000u"), 5);
  assert.equal(parseGrpcTimeout("123456789m"), undefined, "more than 8 digits is malformed");
  assert.equal(parseGrpcTimeout("10x"), undefined);
  assert.equal(formatGrpcTimeout(1500.2), "1501m");
  assert.equal(formatGrpcTimeout(2e8), "200000S");
  assert.equal(encodeBinaryHeader(new Uint8Array([1, 2])), "AQI", "unpadded base64, as grpc-go");
});

// RFC 9113 conformance of our HTTP/2, section by section, as an independent suite (h2spec) would
// check it: raw frames in, and the connection error (GOAWAY code), stream error (RST_STREAM code)
// or answer that the RFC requires out. Server side against attachUnaryHandler, then the client
// side (GrpcEndpoint) against a raw backend.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { after, before, describe, test } from "node:test";
import { GrpcEndpoint, TransportError } from "../src/grpc/unary-client.js";
import type { HeaderField } from "../src/http2/hpack.js";
import {
  ACK,
  COMPRESSION_ERROR,
  CONTINUATION,
  DATA,
  END_HEADERS,
  END_STREAM,
  FLOW_CONTROL_ERROR,
  FRAME_SIZE_ERROR,
  GOAWAY,
  grpcMessage,
  grpcRequest,
  HEADERS,
  hostileServer,
  PADDED,
  PING,
  PRIORITY,
  PRIORITY_FLAG,
  PROTOCOL_ERROR,
  RawPeer,
  REFUSED_STREAM,
  RST_STREAM,
  SETTINGS,
  settingsPayload,
  STREAM_CLOSED,
  u32,
  WINDOW_UPDATE,
} from "./peer.js";
import { rawFrame } from "@acme/test-support/h2-frames";
import { ECHO_PATH, ourServer, type Target } from "./targets.js";

let server: Target;
before(async () => (server = await ourServer()));
after(() => server.close());

const MSG = grpcMessage(Buffer.from("hi"));
const PING_PROBE = rawFrame(PING, 0, 0, Buffer.from("probe!!!"));
const pingAcked = (p: RawPeer) =>
  p.frames.some((f) => f.type === PING && f.flags === 1 && f.payload.toString() === "probe!!!");

/** Connects, sends `build(peer)`, and returns the peer once the expected reaction (or close) came. */
async function run(build: (p: RawPeer) => Buffer[], done: (p: RawPeer) => boolean): Promise<RawPeer> {
  const p = await RawPeer.connect(server.port);
  await p.send(...build(p));
  await p.until(() => done(p));
  p.close();
  return p;
}

/** The frames must end the connection with GOAWAY `code`. */
async function connectionError(code: number, build: (p: RawPeer) => Buffer[]): Promise<void> {
  const p = await run(build, (x) => x.goaway !== undefined);
  assert.equal(p.goaway?.code, code, `GOAWAY ${p.goaway?.code} (${p.goaway?.debug})`);
}

/** The frames must end stream `id` with RST_STREAM `code`, and the connection goes on. */
async function streamError(id: number, code: number, build: (p: RawPeer) => Buffer[]): Promise<void> {
  const p = await run(
    (x) => [...build(x), PING_PROBE],
    (x) => x.goaway !== undefined || (x.frames.some((f) => f.type === RST_STREAM && f.stream === id) && pingAcked(x)),
  );
  assert.equal(p.goaway, undefined, `no connection error (${p.goaway?.debug})`);
  const rst = p.find((f) => f.type === RST_STREAM && f.stream === id);
  assert.equal(rst?.payload.readUInt32BE(0), code, `RST_STREAM ${rst?.payload.readUInt32BE(0)} on stream ${id}`);
}

/** The frames must be ignored: no GOAWAY, no RST_STREAM, and a later PING is answered. */
async function ignored(build: (p: RawPeer) => Buffer[]): Promise<void> {
  const p = await run(
    (x) => [...build(x), PING_PROBE],
    (x) => x.goaway !== undefined || pingAcked(x),
  );
  assert.equal(p.goaway, undefined, `no connection error (${p.goaway?.debug})`);
  assert.equal(
    p.find((f) => f.type === RST_STREAM),
    undefined,
  );
  assert.ok(pingAcked(p));
}

/** A whole request on `id`. */
const call = (p: RawPeer, id: number, fields: HeaderField[] = grpcRequest(ECHO_PATH)) => [
  p.headers(id, fields),
  rawFrame(DATA, END_STREAM, id, MSG),
];
const malformed = (fields: HeaderField[]) =>
  streamError(1, PROTOCOL_ERROR, (p) => [p.headers(1, fields, END_HEADERS | END_STREAM)]);
const setting = (id: number, value: number) => (_: RawPeer) => [
  rawFrame(SETTINGS, 0, 0, settingsPayload([[id, value]])),
];

describe("§3.4 connection preface", () => {
  test("a client that does not send the preface gets GOAWAY PROTOCOL_ERROR", async () => {
    const p = await RawPeer.connect(server.port, { preface: false });
    await p.send(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await p.until(() => p.goaway !== undefined);
    assert.equal(p.goaway?.code, PROTOCOL_ERROR);
    p.close();
  });
  test("the server's preface is a SETTINGS frame that advertises its limits", async () => {
    const p = await run(
      () => [],
      (x) => x.frames.some((f) => f.type === SETTINGS && f.flags === 0),
    );
    const s = p.find((f) => f.type === SETTINGS && f.flags === 0)!;
    const ids = Array.from({ length: s.payload.length / 6 }, (_, i) => s.payload.readUInt16BE(6 * i));
    assert.ok(ids.includes(3) && ids.includes(6), "MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE");
  });
});

describe("§4 frames", () => {
  test("§4.2 a frame over SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR", () =>
    connectionError(FRAME_SIZE_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH)),
      rawFrame(DATA, 0, 1, Buffer.alloc((1 << 20) + 1)),
    ]));
  test("§4.3 a header block that does not decode: COMPRESSION_ERROR", () =>
    connectionError(COMPRESSION_ERROR, () => [rawFrame(HEADERS, END_HEADERS, 1, Buffer.from([0x80]))]));
});

describe("§5.1 stream states", () => {
  test("idle: DATA → PROTOCOL_ERROR", () => connectionError(PROTOCOL_ERROR, () => [rawFrame(DATA, 0, 1, MSG)]));
  test("idle: RST_STREAM → PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(RST_STREAM, 0, 1, u32(8))]));
  test("idle: WINDOW_UPDATE → PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(WINDOW_UPDATE, 0, 1, u32(1))]));
  test("idle: CONTINUATION → PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, (p) => [
      rawFrame(CONTINUATION, END_HEADERS, 1, p.encoder.encode(grpcRequest(ECHO_PATH))),
    ]));
  test("idle: PRIORITY is allowed", () => ignored(() => [rawFrame(PRIORITY, 0, 9, Buffer.from([0, 0, 0, 0, 16]))]));
  test("half-closed (remote): DATA after END_STREAM → STREAM_CLOSED", () =>
    streamError(1, STREAM_CLOSED, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH), END_HEADERS),
      rawFrame(DATA, END_STREAM, 1, MSG),
      rawFrame(DATA, 0, 1, MSG),
    ]));
  test("half-closed (remote): HEADERS after END_STREAM → STREAM_CLOSED", () =>
    streamError(1, STREAM_CLOSED, (p) => [...call(p, 1), p.headers(1, [["x-late", "1"]], END_HEADERS | END_STREAM)]));
  test("closed after END_STREAM both ways: HEADERS → connection error STREAM_CLOSED", async () => {
    const p = await RawPeer.connect(server.port);
    await p.send(...call(p, 1));
    await p.until(() => p.frames.some((f) => f.type === HEADERS && f.stream === 1 && (f.flags & END_STREAM) !== 0));
    await p.send(p.headers(1, grpcRequest(ECHO_PATH), END_HEADERS | END_STREAM));
    await p.until(() => p.goaway !== undefined);
    assert.equal(p.goaway?.code, STREAM_CLOSED);
    p.close();
  });
  test("closed after END_STREAM both ways: DATA → STREAM_CLOSED", async () => {
    const p = await RawPeer.connect(server.port);
    await p.send(...call(p, 1));
    await p.until(() => p.frames.some((f) => f.type === HEADERS && f.stream === 1 && (f.flags & END_STREAM) !== 0));
    await p.send(rawFrame(DATA, 0, 1, MSG), PING_PROBE);
    await p.until(() => p.goaway !== undefined || p.frames.some((f) => f.type === RST_STREAM));
    assert.equal(p.find((f) => f.type === RST_STREAM && f.stream === 1)?.payload.readUInt32BE(0), STREAM_CLOSED);
    p.close();
  });
  test("closed by our RST_STREAM: late DATA and WINDOW_UPDATE are ignored", async () => {
    // A request without :scheme and :path is reset at once; the client's frames already on the
    // way are dropped, and the connection goes on.
    const bad: HeaderField[] = [[":method", "POST"]];
    const p = await run(
      (x) => [x.headers(1, bad), rawFrame(DATA, 0, 1, MSG), rawFrame(WINDOW_UPDATE, 0, 1, u32(10)), PING_PROBE],
      (x) => x.goaway !== undefined || pingAcked(x),
    );
    assert.equal(p.goaway, undefined, p.goaway?.debug);
    assert.deepEqual(
      p.frames.filter((f) => f.type === RST_STREAM).map((f) => f.payload.readUInt32BE(0)),
      [PROTOCOL_ERROR],
      "one RST_STREAM, ours",
    );
  });
});

describe("§5.1.1 stream identifiers", () => {
  test("a client stream with an even id: PROTOCOL_ERROR", () => connectionError(PROTOCOL_ERROR, (p) => call(p, 2)));
  test("a stream id lower than the last one: PROTOCOL_ERROR, not a silent drop", () =>
    connectionError(PROTOCOL_ERROR, (p) => [...call(p, 5), ...call(p, 3)]));
});

describe("§5.1.2 stream concurrency", () => {
  test("a peer that ACKed SETTINGS_MAX_CONCURRENT_STREAMS and opens one more: REFUSED_STREAM, no handler runs for it, the others and the connection go on", async () => {
    const limited = await ourServer({ maxConcurrentStreams: 2 });
    const p = await RawPeer.connect(limited.port);
    try {
      const goaway = () => p.goaway?.debug ?? "none";
      const answered = (id: number) =>
        p.frames.some((f) => f.type === HEADERS && f.stream === id && (f.flags & END_STREAM) !== 0);
      // RawPeer ACKs the server's SETTINGS as soon as it reads them; the PING after that ACK is
      // answered only once the server has read the ACK, so the limit is in force from here on.
      await p.until(() => p.goaway !== undefined || p.frames.some((f) => f.type === SETTINGS && f.flags === 0));
      const settings = p.find((f) => f.type === SETTINGS && f.flags === 0);
      assert.ok(settings, "the server's SETTINGS");
      let advertised: number | undefined;
      for (let off = 0; off < settings.payload.length; off += 6)
        if (settings.payload.readUInt16BE(off) === 3) advertised = settings.payload.readUInt32BE(off + 2);
      assert.equal(advertised, 2, "SETTINGS_MAX_CONCURRENT_STREAMS");
      await p.send(PING_PROBE);
      await p.until(() => p.goaway !== undefined || pingAcked(p));
      assert.ok(pingAcked(p), "the SETTINGS ACK was read before the streams");

      // Streams 1 and 3 open (their request not finished): the limit is reached. Stream 5 is a
      // whole request over it.
      await p.send(p.headers(1, grpcRequest(ECHO_PATH)), p.headers(3, grpcRequest(ECHO_PATH)), ...call(p, 5));
      await p.until(
        () => p.goaway !== undefined || answered(5) || p.frames.some((f) => f.type === RST_STREAM && f.stream === 5),
      );
      assert.equal(p.goaway, undefined, `no connection error (${p.goaway?.debug})`);
      const rst = p.find((f) => f.type === RST_STREAM && f.stream === 5);
      // §5.1.2 allows PROTOCOL_ERROR too; REFUSED_STREAM tells the client it may retry (§8.7).
      assert.equal(rst?.payload.readUInt32BE(0), REFUSED_STREAM, `RST_STREAM ${rst?.payload.readUInt32BE(0)}`);

      // The open streams finish and are answered; the refused one's DATA, already sent, is
      // not a connection error.
      await p.send(rawFrame(DATA, END_STREAM, 1, MSG), rawFrame(DATA, END_STREAM, 3, MSG));
      await p.until(() => p.goaway !== undefined || (answered(1) && answered(3)));
      assert.ok(answered(1) && answered(3), `streams 1 and 3 answered (GOAWAY: ${goaway()})`);
      assert.equal(limited.runs, 2, "the handler ran for streams 1 and 3 only");

      // Below the limit again: a new stream is served on the same connection.
      await p.send(...call(p, 7));
      await p.until(() => p.goaway !== undefined || answered(7));
      assert.ok(answered(7), `stream 7 answered (GOAWAY: ${goaway()})`);
      assert.equal(limited.runs, 3);
      for (const id of [1, 3, 7]) {
        const trailers = p.frames.find((f) => f.type === HEADERS && f.stream === id && (f.flags & END_STREAM) !== 0);
        assert.deepEqual(
          trailers?.fields?.filter(([k]) => k === "grpc-status"),
          [["grpc-status", "0"]],
          `stream ${id}`,
        );
      }
      assert.equal(
        p.find((f) => f.type === HEADERS && f.stream === 5),
        undefined,
        "nothing was answered on stream 5",
      );
      assert.equal(p.goaway, undefined);
      assert.ok(!p.closed, "the connection is still open");
    } finally {
      p.close();
      await limited.close();
    }
  });
});

describe("§5.3.1, §6.3 PRIORITY", () => {
  test("a stream that depends on itself (PRIORITY): stream error PROTOCOL_ERROR", () =>
    streamError(3, PROTOCOL_ERROR, () => [rawFrame(PRIORITY, 0, 3, Buffer.from([0, 0, 0, 3, 16]))]));
  test("a stream that depends on itself (HEADERS): stream error PROTOCOL_ERROR", () =>
    streamError(1, PROTOCOL_ERROR, (p) => [
      rawFrame(
        HEADERS,
        END_HEADERS | END_STREAM | PRIORITY_FLAG,
        1,
        Buffer.concat([Buffer.from([0, 0, 0, 1, 16]), p.encoder.encode(grpcRequest(ECHO_PATH))]),
      ),
    ]));
  test("PRIORITY on stream 0: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(PRIORITY, 0, 0, Buffer.from([0, 0, 0, 1, 16]))]));
  test("PRIORITY of 4 octets: stream error FRAME_SIZE_ERROR", () =>
    streamError(1, FRAME_SIZE_ERROR, () => [rawFrame(PRIORITY, 0, 1, Buffer.from([0, 0, 0, 3]))]));
});

describe("§5.4.1 connection errors", () => {
  test("GOAWAY, then the connection closes", async () => {
    const p = await RawPeer.connect(server.port);
    await p.send(rawFrame(DATA, 0, 0, MSG));
    await p.whenClosed;
    assert.equal(p.goaway?.code, PROTOCOL_ERROR);
  });
});

describe("§5.5 extensions", () => {
  test("an unknown frame type is ignored", () => ignored(() => [rawFrame(0x42, 0, 0, Buffer.from("x"))]));
  test("an unknown frame inside a header block: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH), 0),
      rawFrame(0x42, 0, 0),
      rawFrame(CONTINUATION, END_HEADERS, 1),
    ]));
});

describe("§6 frame definitions", () => {
  test("§6.1 DATA on stream 0: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(DATA, 0, 0, MSG)]));
  test("§6.1 DATA padding longer than the frame: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH)),
      rawFrame(DATA, PADDED, 1, Buffer.from([9, 1, 2])),
    ]));
  test("§6.2 HEADERS on stream 0: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, (p) => [p.headers(0, grpcRequest(ECHO_PATH))]));
  test("§6.2 a header block interrupted by DATA: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, (p) => [p.headers(1, grpcRequest(ECHO_PATH), 0), rawFrame(DATA, 0, 1, MSG)]));
  test("§6.4 RST_STREAM on stream 0: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(RST_STREAM, 0, 0, u32(8))]));
  test("§6.4 RST_STREAM of 3 octets: FRAME_SIZE_ERROR", () =>
    connectionError(FRAME_SIZE_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH)),
      rawFrame(RST_STREAM, 0, 1, Buffer.alloc(3)),
    ]));
  test("§6.5 SETTINGS is acknowledged", async () => {
    const p = await run(
      () => [rawFrame(SETTINGS, 0, 0, settingsPayload([[4, 100]]))],
      (x) => x.frames.filter((f) => f.type === SETTINGS && f.flags === 1).length >= 2,
    );
    assert.equal(p.goaway, undefined);
  });
  test("§6.5 SETTINGS ACK with a payload: FRAME_SIZE_ERROR", () =>
    connectionError(FRAME_SIZE_ERROR, () => [rawFrame(SETTINGS, 1, 0, settingsPayload([[4, 1]]))]));
  test("§6.5 SETTINGS on a stream: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(SETTINGS, 0, 1)]));
  test("§6.5 SETTINGS of 5 octets: FRAME_SIZE_ERROR", () =>
    connectionError(FRAME_SIZE_ERROR, () => [rawFrame(SETTINGS, 0, 0, Buffer.alloc(5))]));
  test("§6.5.2 SETTINGS_ENABLE_PUSH 2: PROTOCOL_ERROR", () => connectionError(PROTOCOL_ERROR, setting(2, 2)));
  test("§6.5.2 SETTINGS_INITIAL_WINDOW_SIZE 2^31: FLOW_CONTROL_ERROR", () =>
    connectionError(FLOW_CONTROL_ERROR, setting(4, 2 ** 31)));
  test("§6.5.2 SETTINGS_MAX_FRAME_SIZE 16383: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, setting(5, 16383)));
  test("§6.5.2 an unknown setting is ignored", () => ignored(setting(0x99, 1)));
  test("§6.7 PING is answered with ACK and the same payload; a PING ACK is not answered", async () => {
    const p = await run(
      () => [rawFrame(PING, 1, 0, Buffer.from("ackackac")), PING_PROBE],
      (x) => pingAcked(x),
    );
    assert.equal(p.frames.filter((f) => f.type === PING).length, 1);
  });
  test("§6.7 PING on a stream: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(PING, 0, 1, Buffer.alloc(8))]));
  test("§6.7 PING of 7 octets: FRAME_SIZE_ERROR", () =>
    connectionError(FRAME_SIZE_ERROR, () => [rawFrame(PING, 0, 0, Buffer.alloc(7))]));
  test("§6.8 GOAWAY on a stream: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(GOAWAY, 0, 1, Buffer.alloc(8))]));
  test("§6.9 WINDOW_UPDATE of 0 on the connection: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, () => [rawFrame(WINDOW_UPDATE, 0, 0, u32(0))]));
  test("§6.9 WINDOW_UPDATE of 0 on a stream: stream error PROTOCOL_ERROR", () =>
    streamError(1, PROTOCOL_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH)),
      rawFrame(WINDOW_UPDATE, 0, 1, u32(0)),
    ]));
  test("§6.9 WINDOW_UPDATE of 3 octets: FRAME_SIZE_ERROR", () =>
    connectionError(FRAME_SIZE_ERROR, () => [rawFrame(WINDOW_UPDATE, 0, 0, Buffer.alloc(3))]));
  test("§6.9.1 a connection window over 2^31-1: FLOW_CONTROL_ERROR", () =>
    connectionError(FLOW_CONTROL_ERROR, () => [rawFrame(WINDOW_UPDATE, 0, 0, u32(2 ** 31 - 1))]));
  test("§6.9.1 a stream window over 2^31-1: stream error FLOW_CONTROL_ERROR", () =>
    streamError(1, FLOW_CONTROL_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH)),
      rawFrame(WINDOW_UPDATE, 0, 1, u32(2 ** 31 - 1)),
    ]));
  test("§6.10 CONTINUATION of another stream: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH), 0),
      rawFrame(CONTINUATION, END_HEADERS, 3),
    ]));
  test("§6.10 CONTINUATION after END_HEADERS: PROTOCOL_ERROR", () =>
    connectionError(PROTOCOL_ERROR, (p) => [
      p.headers(1, grpcRequest(ECHO_PATH)),
      rawFrame(CONTINUATION, END_HEADERS, 1),
    ]));
});

describe("§6.5.3 settings synchronization", () => {
  test("a SETTINGS ACK when none is due: PROTOCOL_ERROR (as nghttp2)", () =>
    // The peer acknowledges our one SETTINGS by itself; a second ACK acknowledges nothing.
    connectionError(PROTOCOL_ERROR, () => [rawFrame(SETTINGS, ACK, 0)]));
});

describe("§6.9 flow control: receive windows reopen as DATA is consumed, not as it arrives", () => {
  const MiB = 1024 * 1024;
  const windowUpdates = (p: RawPeer) => p.frames.filter((f) => f.type === WINDOW_UPDATE);

  test("incomplete messages reopen no window; a message handed to the method reopens the connection window by its size", async () => {
    // 9 streams each hold a 4 MiB message but its last byte: 36 MiB, over half the 64 MiB
    // connection window (where a window reopened on arrival is given back) and over half of each
    // 8 MiB stream window, under maxBufferedRecvBytes (48 MiB here: 3/4 of the window).
    const p = await RawPeer.connect(server.port, {
      keep: (f) => f.type === WINDOW_UPDATE || f.type === PING || f.type === RST_STREAM || f.type === SETTINGS,
    });
    try {
      assert.ok(await p.until(() => p.frames.some((f) => f.type === SETTINGS && f.flags === 0)), "server SETTINGS");
      const size = 4 * MiB;
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(size, 1);
      const chunk = Buffer.alloc(16 * 1024, 7);
      const streams = [1, 3, 5, 7, 9, 11, 13, 15, 17];
      for (const id of streams) {
        await p.send(p.headers(id, grpcRequest(ECHO_PATH)), rawFrame(DATA, 0, id, prefix));
        for (let left = size - 1; left > 0; left -= chunk.length)
          await p.send(rawFrame(DATA, 0, id, chunk.subarray(0, Math.min(left, chunk.length))));
      }
      await p.send(PING_PROBE);
      assert.ok(await p.until(() => pingAcked(p)), "PING answered after all the DATA");
      assert.equal(p.goaway, undefined);
      assert.equal(
        p.find((f) => f.type === RST_STREAM),
        undefined,
        "no stream refused",
      );
      // Only the connection window's widening at the start (64 MiB - 65,535).
      assert.deepEqual(
        windowUpdates(p).map((f) => [f.stream, f.payload.readUInt32BE(0)]),
        [[0, 64 * MiB - 65_535]],
        "no WINDOW_UPDATE for bytes not consumed",
      );
      // The last byte of stream 1: the message goes to the method, which consumes 5 + 4 MiB.
      await p.send(rawFrame(DATA, END_STREAM, 1, Buffer.from([7])));
      assert.ok(await p.until(() => windowUpdates(p).length > 1), "a WINDOW_UPDATE once the message was consumed");
      const [reopened] = windowUpdates(p).slice(1);
      assert.equal(reopened.stream, 0);
      assert.equal(reopened.payload.readUInt32BE(0), 5 + size, "the connection window reopens by the message");
    } finally {
      p.close();
    }
  });

  test("the client end too: incomplete responses reopen no window; a response handed to the caller reopens it by its size", async () => {
    const size = 4 * MiB;
    const streams = [1, 3, 5, 7, 9, 11, 13, 15, 17];
    let check: ((p: RawPeer) => Promise<void>) | undefined;
    const backend = await hostileServer(async (p) => {
      // Every request first, then 4 MiB of each response but its last byte: 36 MiB.
      await p.until(() => p.frames.filter((f) => f.type === HEADERS).length >= streams.length);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(size, 1);
      const chunk = Buffer.alloc(16 * 1024, 7);
      for (const id of streams) {
        await p.send(
          p.headers(id, [
            [":status", "200"],
            ["content-type", "application/grpc"],
          ]),
          rawFrame(DATA, 0, id, prefix),
        );
        for (let left = size - 1; left > 0; left -= chunk.length)
          await p.send(rawFrame(DATA, 0, id, chunk.subarray(0, Math.min(left, chunk.length))));
      }
      await check?.(p);
    });
    const client = new GrpcEndpoint(`127.0.0.1:${backend.port}`, {
      maxResponseBytes: size,
      maxHeaderListBytes: 1 << 16,
      keepAliveMs: 15_000,
    });
    try {
      const checked = new Promise<void>((resolve, reject) => {
        check = async (p) => {
          try {
            await p.send(PING_PROBE);
            assert.ok(await p.until(() => pingAcked(p)), "PING answered after all the DATA");
            assert.deepEqual(
              windowUpdates(p).map((f) => [f.stream, f.payload.readUInt32BE(0)]),
              [[0, 64 * MiB - 65_535]],
              "no WINDOW_UPDATE for response bytes not consumed",
            );
            await p.send(
              rawFrame(DATA, 0, 1, Buffer.from([7])),
              p.headers(1, [["grpc-status", "0"]], END_HEADERS | END_STREAM),
            );
            assert.ok(
              await p.until(() => windowUpdates(p).length > 1),
              "a WINDOW_UPDATE once the response was consumed",
            );
            const [reopened] = windowUpdates(p).slice(1);
            assert.equal(reopened.stream, 0);
            assert.equal(reopened.payload.readUInt32BE(0), 5 + size, "the connection window reopens by the response");
            resolve();
          } catch (err) {
            reject(err);
          } finally {
            p.close();
          }
        };
      });
      const calls = streams.map(() =>
        client.unary(ECHO_PATH, MSG).then(
          (r) => r.length,
          (e: unknown) => e,
        ),
      );
      await checked;
      const [first, ...rest] = await Promise.all(calls);
      assert.equal(first, size, "the completed response reached its caller");
      for (const e of rest) assert.ok(e instanceof TransportError, String(e));
    } finally {
      client.close();
      await backend.close();
    }
  });

  test("a message larger than the stream window goes through both ways (the window widens to the accepted size)", async () => {
    const big = await ourServer(undefined, 16 * MiB);
    const client = new GrpcEndpoint(`127.0.0.1:${big.port}`, {
      maxResponseBytes: 16 * MiB,
      maxHeaderListBytes: 1 << 16,
      keepAliveMs: 15_000,
    });
    try {
      // 12 MiB: over the 8 MiB stream window both ways, sent by our client and by node:http2.
      const payload = Buffer.alloc(12 * MiB, 3);
      const out = await client.unary(ECHO_PATH, grpcMessage(payload));
      assert.equal(Buffer.compare(Buffer.from(out), payload), 0, "our client: the echo, whole");
      const session = http2.connect(`http://127.0.0.1:${big.port}`);
      try {
        const req = session.request({ ":method": "POST", ":path": ECHO_PATH, "content-type": "application/grpc" });
        let got = 0;
        req.on("data", (c: Buffer) => (got += c.length));
        req.end(grpcMessage(payload));
        await new Promise((resolve, reject) => {
          req.on("end", resolve);
          req.on("error", reject);
          req.on("close", resolve);
        });
        assert.equal(got, 5 + payload.length, "node:http2 client: the echo, whole");
      } finally {
        session.close();
      }
    } finally {
      client.close();
      await big.close();
    }
  });
});

describe("§8 HTTP semantics: malformed requests are reset with PROTOCOL_ERROR, and no handler runs", () => {
  const req = (drop: string[] = [], extra: HeaderField[] = []) => [
    ...grpcRequest(ECHO_PATH).filter(([k]) => !drop.includes(k)),
    ...extra,
  ];
  test("§8.1 trailers without END_STREAM", () =>
    streamError(1, PROTOCOL_ERROR, (p) => [p.headers(1, req()), p.headers(1, [["x-trailer", "1"]])]));
  test("§8.1 trailers with a pseudo-header", () =>
    streamError(1, PROTOCOL_ERROR, (p) => [
      p.headers(1, req()),
      p.headers(1, [[":path", "/x"]], END_HEADERS | END_STREAM),
    ]));
  test("§8.2 an uppercase field name", () => malformed(req([], [["X-Upper", "1"]])));
  test("§8.2.1 CR, LF or NUL in a value (a tenant header injection)", async () => {
    for (const bad of ["a\r\nx-admin: 1", "a\nb", "a\0b"]) await malformed(req([], [["x-scope-orgid", bad]]));
  });
  test("§8.2.1 whitespace at the start of a value", () => malformed(req([], [["x-a", " 1"]])));
  test("§8.2.2 connection-specific fields", async () => {
    for (const f of ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"])
      await malformed(req([], [[f, "x"]]));
  });
  test("§8.2.2 te other than trailers", () => malformed(req(["te"], [["te", "gzip"]])));
  test("§8.3 a pseudo-header after a regular field", () =>
    malformed([["content-type", "application/grpc"], ...req(["content-type"])]));
  test("§8.3 an unknown or response pseudo-header", async () => {
    await malformed(req().toSpliced(0, 0, [":foo", "x"]));
    await malformed(req().toSpliced(0, 0, [":status", "200"]));
  });
  test("§8.3 a pseudo-header twice", () => malformed(req().toSpliced(0, 0, [":path", "/again"])));
  test("§8.3.1 no :method, no :scheme, no :path, an empty :path", async () => {
    await malformed(req([":method"]));
    await malformed(req([":scheme"]));
    await malformed(req([":path"]));
    await malformed(req([":path"]).toSpliced(0, 0, [":path", ""]));
  });
  test("§8.1.1 content-length that is not a number, or twice with different values", async () => {
    await malformed(req([], [["content-length", "7x"]]));
    await malformed(req([], [["content-length", "-1"]]));
    await malformed(
      req(
        [],
        [
          ["content-length", String(MSG.length)],
          ["content-length", "1"],
        ],
      ),
    );
  });
  test("§8.1.1 content-length on a request that ends with its headers", () =>
    malformed(req([], [["content-length", "5"]])));
  test("§8.1.1 more DATA than content-length", () =>
    streamError(1, PROTOCOL_ERROR, (p) => [
      p.headers(1, req([], [["content-length", String(MSG.length - 1)]])),
      rawFrame(DATA, END_STREAM, 1, MSG),
    ]));
  test("§8.1.1 more DATA than content-length, before END_STREAM", () =>
    streamError(1, PROTOCOL_ERROR, (p) => [
      p.headers(1, req([], [["content-length", "2"]])),
      rawFrame(DATA, 0, 1, MSG),
    ]));
  test("§8.1.1 less DATA than content-length, ended by DATA or by trailers", async () => {
    await streamError(1, PROTOCOL_ERROR, (p) => [
      p.headers(1, req([], [["content-length", String(MSG.length + 1)]])),
      rawFrame(DATA, END_STREAM, 1, MSG),
    ]);
    await streamError(1, PROTOCOL_ERROR, (p) => [
      p.headers(1, req([], [["content-length", String(MSG.length + 1)]])),
      rawFrame(DATA, 0, 1, MSG),
      p.headers(1, [["x-trailer", "1"]], END_HEADERS | END_STREAM),
    ]);
  });
  test("§8.1.1 DATA that adds up to content-length (padding not counted) is answered", async () => {
    const padded = Buffer.concat([Buffer.from([3]), MSG, Buffer.alloc(3)]);
    const p = await run(
      (x) => [
        x.headers(1, req([], [["content-length", String(MSG.length)]])),
        rawFrame(DATA, END_STREAM | PADDED, 1, padded),
      ],
      (x) => x.goaway !== undefined || x.frames.some((f) => f.type === HEADERS && (f.flags & END_STREAM) !== 0),
    );
    assert.equal(p.goaway, undefined);
    assert.equal(
      p.find((f) => f.type === RST_STREAM),
      undefined,
    );
    assert.ok(
      p.frames
        .filter((f) => f.type === HEADERS)
        .at(-1)!
        .fields!.some(([k, v]) => k === "grpc-status" && v === "0"),
    );
  });
  test("a valid request is answered 200 with grpc-status 0", async () => {
    const p = await run(
      (x) => call(x, 1),
      (x) => x.frames.some((f) => f.type === HEADERS && (f.flags & END_STREAM) !== 0),
    );
    const blocks = p.frames.filter((f) => f.type === HEADERS);
    assert.deepEqual(blocks[0].fields?.[0], [":status", "200"]);
    assert.ok(blocks.at(-1)!.fields!.some(([k, v]) => k === "grpc-status" && v === "0"));
  });
});

describe("real peers", () => {
  test("a node:http2 (nghttp2) client calls our server: 200, the echo, grpc-status 0 in trailers", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const req = session.request({
        ":method": "POST",
        ":path": ECHO_PATH,
        "content-type": "application/grpc",
        te: "trailers",
      });
      const chunks: Buffer[] = [];
      let status: unknown;
      let trailers: http2.IncomingHttpHeaders | undefined;
      req.on("response", (h) => (status = h[":status"]));
      req.on("trailers", (t) => (trailers = t));
      req.on("data", (c: Buffer) => chunks.push(c));
      req.end(MSG);
      await new Promise((resolve, reject) => {
        req.on("end", resolve);
        req.on("error", reject);
      });
      assert.equal(status, 200);
      assert.deepEqual(Buffer.concat(chunks), MSG);
      assert.equal(trailers?.["grpc-status"], "0");
    } finally {
      session.close();
    }
  });
});

describe("gRPC over HTTP/2: grpc-timeout", () => {
  test("a malformed grpc-timeout is refused with INTERNAL, as grpc-go does", async () => {
    for (const bad of ["10x", "123456789S", "-1S", "S"]) {
      const p = await run(
        (x) => call(x, 1, grpcRequest(ECHO_PATH, [["grpc-timeout", bad]])),
        (x) => x.frames.some((f) => f.type === HEADERS && (f.flags & END_STREAM) !== 0),
      );
      const t = p.frames.find((f) => f.type === HEADERS && (f.flags & END_STREAM) !== 0)!.fields!;
      assert.deepEqual(
        t.find(([k]) => k === "grpc-status"),
        ["grpc-status", "13"],
        bad,
      );
      assert.match(t.find(([k]) => k === "grpc-message")![1], /malformed grpc-timeout/);
    }
  });
  test("a grpc-timeout past 24.8 days does not expire at once (no setTimeout overflow)", async () => {
    const p = await run(
      (x) => call(x, 1, grpcRequest(ECHO_PATH, [["grpc-timeout", "2592000S"]])),
      (x) => x.frames.some((f) => f.type === HEADERS && (f.flags & END_STREAM) !== 0),
    );
    const t = p.frames.find((f) => f.type === HEADERS && (f.flags & END_STREAM) !== 0)!.fields!;
    assert.deepEqual(
      t.find(([k]) => k === "grpc-status"),
      ["grpc-status", "0"],
    );
  });
});

describe("the client end: responses are checked too (RFC 9113 §8.3.2, §5.1.1)", () => {
  async function against(answer: (p: RawPeer) => Buffer[]): Promise<{ err: unknown; peer: RawPeer }> {
    const backend = await hostileServer(async (p) => {
      await p.until(() => p.frames.some((f) => f.type === HEADERS));
      await p.send(...answer(p), PING_PROBE);
    });
    const client = new GrpcEndpoint(`127.0.0.1:${backend.port}`, {
      maxResponseBytes: 1 << 20,
      maxHeaderListBytes: 1 << 16,
      keepAliveMs: 15_000,
    });
    try {
      const err = await client.unary(ECHO_PATH, MSG).then(
        () => undefined,
        (e: unknown) => e,
      );
      const peer = await backend.firstPeer;
      await peer.until(
        () => peer.goaway !== undefined || peer.frames.some((f) => f.type === RST_STREAM) || pingAcked(peer),
      );
      return { err, peer };
    } finally {
      client.close();
      await backend.close();
    }
  }
  const ok = (p: RawPeer): Buffer[] => [
    p.headers(1, [
      [":status", "200"],
      ["content-type", "application/grpc"],
    ]),
    rawFrame(DATA, 0, 1, MSG),
    p.headers(1, [["grpc-status", "0"]], END_HEADERS | END_STREAM),
  ];

  test("a well-formed response, after an interim 100, is accepted", async () => {
    const { err } = await against((p) => [p.headers(1, [[":status", "100"]]), ...ok(p)]);
    assert.equal(err, undefined);
  });
  test("a response without :status, or with an uppercase name: RST_STREAM PROTOCOL_ERROR, the call fails", async () => {
    for (const fields of [
      [["content-type", "application/grpc"]],
      [
        [":status", "200"],
        ["Grpc-Status", "0"],
      ],
    ] as HeaderField[][]) {
      const { err, peer } = await against((p) => [p.headers(1, fields, END_HEADERS | END_STREAM)]);
      assert.ok(err instanceof TransportError, String(err));
      assert.equal(peer.find((f) => f.type === RST_STREAM && f.stream === 1)?.payload.readUInt32BE(0), PROTOCOL_ERROR);
    }
  });
  test("§8.1.1 a response whose DATA does not add up to its content-length: RST_STREAM PROTOCOL_ERROR, the call fails", async () => {
    for (const declared of [MSG.length - 1, MSG.length + 1]) {
      const { err, peer } = await against((p) => [
        p.headers(1, [
          [":status", "200"],
          ["content-type", "application/grpc"],
          ["content-length", String(declared)],
        ]),
        rawFrame(DATA, 0, 1, MSG),
        p.headers(1, [["grpc-status", "0"]], END_HEADERS | END_STREAM),
      ]);
      assert.ok(err instanceof TransportError, String(err));
      assert.equal(peer.find((f) => f.type === RST_STREAM && f.stream === 1)?.payload.readUInt32BE(0), PROTOCOL_ERROR);
    }
  });
  test("§8.1.1 a response whose DATA adds up to its content-length is accepted", async () => {
    const { err } = await against((p) => [
      p.headers(1, [
        [":status", "200"],
        ["content-type", "application/grpc"],
        ["content-length", String(MSG.length)],
      ]),
      rawFrame(DATA, 0, 1, MSG),
      p.headers(1, [["grpc-status", "0"]], END_HEADERS | END_STREAM),
    ]);
    assert.equal(err, undefined);
  });
  test("HEADERS on a stream the client never opened: GOAWAY PROTOCOL_ERROR", async () => {
    const { peer } = await against((p) => [p.headers(2, [[":status", "200"]], END_HEADERS | END_STREAM)]);
    assert.equal(peer.goaway?.code, PROTOCOL_ERROR);
  });
});

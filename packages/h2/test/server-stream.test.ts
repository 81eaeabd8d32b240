// Server streaming on our gRPC server: against grpc-js (nghttp2) for interop, and against raw
// HTTP/2 peers that stop reading, reset the stream, close the socket or send GOAWAY mid-stream.
// Every wait ends on an event (a frame, a status, a producer's end); nothing measures time.
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { once } from "node:events";
import * as net from "node:net";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { create, toBinary } from "@bufbuild/protobuf";
import { Health, ServingStatus } from "@acme/grpc-health";
import { HealthCheckRequestSchema } from "@acme/grpc-health/v1";
import { createHealthService, HealthStatusRegistry } from "@acme/grpc-health";
import { connectServiceMethods } from "../src/grpc/connect-service.js";
import { attachGrpcServer, type GrpcMethod, type UnaryCall } from "../src/grpc/unary-server.js";
import { GrpcEndpoint } from "../src/grpc/unary-client.js";
import { decodeGrpcMessage } from "../src/grpc/headers.js";
import type { H2ServerConnection } from "../src/http2/server-connection.js";
import {
  CANCEL,
  DATA,
  END_STREAM,
  GOAWAY,
  grpcMessage,
  grpcRequest,
  HEADERS,
  RawPeer,
  RST_STREAM,
  SETTINGS,
  settingsPayload,
  u32,
  WINDOW_UPDATE,
  type Frame,
} from "./peer.js";
import { HTTP2_PREFACE, rawFrame } from "@acme/test-support/h2-frames";
import { legitLoop, MiB } from "./targets.js";

const COUNT = "/test.Stream/Count";
const FAIL = "/test.Stream/Fail";
const HOLD = "/test.Stream/Hold";
const ECHO = "/test.Echo/Call";
const FOREVER = 0xffffffff;

/** One run of a streaming method, as the server saw it. */
interface Run {
  produced: number;
  /** Resolves once the producer's finally ran. */
  ended: Promise<void>;
  call: UnaryCall;
}

/** `count` messages (FOREVER: until cancelled) of `size` bytes; message i starts with i. */
const countRequest = (count: number, size: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(count, 0);
  b.writeUInt32BE(size, 4);
  return b;
};

const untilCancelled = (call: UnaryCall) => new Promise<void>((r) => call.cancellation.onCancel(r));

class StreamServer {
  readonly runs: Run[] = [];
  readonly server = net.createServer();
  connections!: Set<H2ServerConnection>;
  port = 0;
  private runStarted: (() => void)[] = [];

  /** Resolves with the n-th run (0-based) once it started. */
  async run(n: number): Promise<Run> {
    while (this.runs.length <= n) await new Promise<void>((r) => this.runStarted.push(r));
    return this.runs[n];
  }

  private track(call: UnaryCall, body: (run: Run) => AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
    let done!: () => void;
    const run: Run = { produced: 0, ended: new Promise((r) => (done = r)), call };
    this.runs.push(run);
    for (const w of this.runStarted.splice(0)) w();
    return (async function* () {
      try {
        for await (const m of body(run)) {
          run.produced++;
          yield m;
        }
      } finally {
        done();
      }
    })();
  }

  async start(): Promise<void> {
    const methods = new Map<string, GrpcMethod>([
      [
        COUNT,
        {
          kind: "server_streaming",
          impl: (req, call) =>
            this.track(call, async function* () {
              const b = Buffer.from(req);
              const count = b.readUInt32BE(0);
              const size = b.readUInt32BE(4);
              for (let i = 0; count === FOREVER || i < count; i++) {
                if (call.cancellation.cancelled) return;
                // One message per event-loop turn, as an asynchronous source would produce them.
                await new Promise((r) => setImmediate(r));
                const m = Buffer.alloc(size, i & 0xff);
                m.writeUInt32BE(i, 0);
                yield grpcMessage(m);
              }
            }),
        },
      ],
      [
        FAIL,
        {
          kind: "server_streaming",
          impl: (_req, call) =>
            this.track(call, async function* () {
              yield grpcMessage(Buffer.from("one"));
              yield grpcMessage(Buffer.from("two"));
              throw new ConnectError("boom after two, 100% sure", Code.ResourceExhausted);
            }),
        },
      ],
      [
        HOLD,
        {
          kind: "server_streaming",
          impl: (_req, call) =>
            this.track(call, async function* () {
              yield grpcMessage(Buffer.from("held"));
              await untilCancelled(call);
            }),
        },
      ],
      [ECHO, { kind: "unary", impl: async (req) => grpcMessage(req) }],
      ...connectServiceMethods(Health, createHealthService(health)),
    ]);
    this.connections = attachGrpcServer(this.server, {
      methods,
      maxMessageBytes: 4 * MiB,
      maxHeaderListBytes: 256 * 1024,
    });
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const health = new HealthStatusRegistry();
const srv = new StreamServer();
let endpoint: GrpcEndpoint;

before(async () => {
  await srv.start();
  endpoint = new GrpcEndpoint(`127.0.0.1:${srv.port}`, {
    maxResponseBytes: MiB,
    maxHeaderListBytes: 256 * 1024,
    keepAliveMs: 15_000,
  });
});
after(async () => {
  endpoint.close();
  await srv.close();
});

/** One unary call from another connection: the server still serves. */
async function legit(): Promise<void> {
  const out = await endpoint.unary(ECHO, grpcMessage(Buffer.from("legit")));
  assert.equal(Buffer.from(out).toString(), "legit");
}

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const dataBytes = (peer: RawPeer, stream: number) =>
  peer.frames.filter((f) => f.type === DATA && f.stream === stream).reduce((n, f) => n + f.payload.length, 0);
const trailers = (peer: RawPeer, stream: number): Frame | undefined =>
  peer.frames.find((f) => f.type === HEADERS && f.stream === stream && f.flags & END_STREAM);
const field = (f: Frame | undefined, name: string) => f?.fields?.find(([k]) => k === name)?.[1];

describe("server streaming with grpc-js", () => {
  const Client = grpc.makeGenericClientConstructor(
    Object.fromEntries(
      [COUNT, FAIL, HOLD].map((path) => [
        path.split("/")[2].toLowerCase(),
        {
          path,
          requestStream: false,
          responseStream: true,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      ]),
    ),
    "Stream",
  );
  type StreamClient = grpc.Client &
    Record<"count" | "fail" | "hold", (req: Buffer) => grpc.ClientReadableStream<Buffer>>;
  let client: StreamClient;
  before(() => {
    client = new Client(`127.0.0.1:${srv.port}`, grpc.credentials.createInsecure()) as unknown as StreamClient;
  });
  after(() => client.close());

  /** Reads a whole stream: its messages and its status. */
  const readAll = (call: grpc.ClientReadableStream<Buffer>) =>
    new Promise<{ messages: Buffer[]; status: grpc.StatusObject }>((resolve) => {
      const messages: Buffer[] = [];
      call.on("data", (m: Buffer) => messages.push(m));
      call.on("error", () => {});
      call.on("status", (status) => resolve({ messages, status }));
    });

  test("200 messages of 16 KiB (far over the 64 KiB windows) arrive whole and in order, then OK", async () => {
    const { messages, status } = await readAll(client.count(countRequest(200, 16 * 1024)));
    assert.equal(status.code, grpc.status.OK, status.details);
    assert.equal(messages.length, 200);
    messages.forEach((m, i) => {
      assert.equal(m.length, 16 * 1024);
      assert.equal(m.readUInt32BE(0), i);
      assert.equal(m[m.length - 1], i & 0xff);
    });
  });

  test("an empty stream is a trailers-only OK", async () => {
    const { messages, status } = await readAll(client.count(countRequest(0, 8)));
    assert.equal(status.code, grpc.status.OK);
    assert.equal(messages.length, 0);
  });

  test("an error after two messages arrives as the status, after the two messages", async () => {
    const { messages, status } = await readAll(client.fail(Buffer.alloc(0)));
    assert.deepEqual(
      messages.map((m) => m.toString()),
      ["one", "two"],
    );
    assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(status.details, "boom after two, 100% sure");
  });

  test("cancel mid-stream: the producer stops and its finally runs; the server keeps serving", async () => {
    const n = srv.runs.length;
    const call = client.count(countRequest(FOREVER, 1024));
    const got = readAll(call);
    await new Promise<void>((r) => call.once("data", () => r()));
    call.cancel();
    assert.equal((await got).status.code, grpc.status.CANCELLED);
    const run = await srv.run(n);
    await run.ended;
    assert.ok(run.call.cancellation.cancelled);
    await legit();
  });
});

describe("server streaming against raw peers", () => {
  test("a client that stops reading (its stream window full) holds at most one message; WINDOW_UPDATE resumes it", async () => {
    const size = 16 * 1024;
    const framed = size + 5;
    const window = 40_000; // two messages and part of a third
    const peer = await RawPeer.connect(srv.port, { preface: false });
    await peer.send(
      HTTP2_PREFACE,
      rawFrame(SETTINGS, 0, 0, settingsPayload([[4, window]])),
      peer.headers(1, grpcRequest(COUNT)),
      rawFrame(DATA, END_STREAM, 1, grpcMessage(countRequest(10, size))),
    );
    const n = srv.runs.length;
    assert.ok(await peer.until(() => dataBytes(peer, 1) === window), "the server filled the window");
    const run = await srv.run(n);
    // Many event-loop turns on another connection: a producer that did not wait would make one
    // message per turn meanwhile.
    for (let i = 0; i < 50; i++) await legit();
    const whole = Math.floor(window / framed);
    assert.ok(
      run.produced <= whole + 1,
      `${run.produced} messages produced while the client read ${whole}: at most one may wait`,
    );
    assert.equal(dataBytes(peer, 1), window, "nothing beyond the window was sent");
    await peer.send(rawFrame(WINDOW_UPDATE, 0, 1, u32(10 * framed)), rawFrame(WINDOW_UPDATE, 0, 0, u32(10 * framed)));
    assert.ok(await peer.until(() => trailers(peer, 1) !== undefined), "the stream ended");
    assert.equal(dataBytes(peer, 1), 10 * framed);
    assert.equal(field(trailers(peer, 1), "grpc-status"), "0");
    await run.ended;
    peer.close();
  });

  test("a client that stops reading its socket: the producer stops at the write high-water mark, others are served", async (t) => {
    const size = MiB;
    const peer = await RawPeer.connect(srv.port, { preface: false, read: false });
    const n = srv.runs.length;
    await peer.send(
      HTTP2_PREFACE,
      rawFrame(SETTINGS, 0, 0, settingsPayload([[4, 2 ** 31 - 1]])),
      rawFrame(WINDOW_UPDATE, 0, 0, u32(2 ** 31 - 1 - 65535)),
      peer.headers(1, grpcRequest(COUNT)),
      rawFrame(DATA, END_STREAM, 1, grpcMessage(countRequest(FOREVER, size))),
    );
    const run = await srv.run(n);
    const loop = legitLoop(legit);
    t.after(() => loop.stop());
    // Each call takes several event-loop turns; an unbounded producer makes 1 MiB per turn.
    for (let i = 0; i < 200; i++) await legit();
    const calls = await loop.stop();
    assert.deepEqual(calls.failed, []);
    // What the kernel's socket buffers hold on loopback, the 1 MiB high-water mark and one message.
    assert.ok(run.produced <= 48, `${run.produced} MiB produced for a client that reads nothing`);
    peer.close();
    await run.ended;
  });

  test("a client that resets mid-stream: the producer ends, its deadline timer is gone, the connection serves on", async () => {
    const before = timeouts();
    const peer = await RawPeer.connect(srv.port);
    const n = srv.runs.length;
    await peer.send(
      rawFrame(WINDOW_UPDATE, 0, 0, u32(2 ** 30)),
      peer.headers(1, grpcRequest(COUNT, [["grpc-timeout", "1H"]])),
      rawFrame(DATA, END_STREAM, 1, grpcMessage(countRequest(FOREVER, 100))),
    );
    assert.ok(await peer.until(() => dataBytes(peer, 1) >= 3 * 105), "messages arrive");
    const run = await srv.run(n);
    assert.equal(timeouts(), before + 1, "the call's deadline timer runs");
    await peer.send(rawFrame(RST_STREAM, 0, 1, u32(CANCEL)));
    await run.ended;
    assert.ok(run.call.cancellation.cancelled);
    assert.equal(timeouts(), before, "the deadline timer was cleared");
    // The same connection serves a unary call on a new stream.
    await peer.send(
      peer.headers(3, grpcRequest(ECHO)),
      rawFrame(DATA, END_STREAM, 3, grpcMessage(Buffer.from("after"))),
    );
    assert.ok(await peer.until(() => trailers(peer, 3) !== undefined));
    assert.equal(field(trailers(peer, 3), "grpc-status"), "0");
    assert.equal(trailers(peer, 1), undefined, "no trailers on the reset stream");
    peer.close();
  });

  test("a client that closes its socket mid-stream: the producer ends and no timer is left", async () => {
    const before = timeouts();
    const peer = await RawPeer.connect(srv.port);
    const n = srv.runs.length;
    await peer.send(
      peer.headers(1, grpcRequest(HOLD, [["grpc-timeout", "1H"]])),
      rawFrame(DATA, END_STREAM, 1, grpcMessage(Buffer.alloc(0))),
    );
    assert.ok(await peer.until(() => dataBytes(peer, 1) > 0), "the first message arrives");
    const run = await srv.run(n);
    peer.close();
    await run.ended;
    assert.ok(run.call.cancellation.cancelled);
    assert.equal(timeouts(), before);
  });

  test("a client's GOAWAY mid-stream: the open stream runs to its end (RFC 9113 §6.8), then the connection closes", async () => {
    const peer = await RawPeer.connect(srv.port);
    const n = srv.runs.length;
    await peer.send(
      peer.headers(1, grpcRequest(COUNT)),
      rawFrame(DATA, END_STREAM, 1, grpcMessage(countRequest(20, 100))),
    );
    assert.ok(await peer.until(() => dataBytes(peer, 1) > 0));
    await peer.send(rawFrame(GOAWAY, 0, 0, Buffer.concat([u32(0), u32(0)])));
    assert.ok(await peer.until(() => trailers(peer, 1) !== undefined), "the stream ended");
    assert.equal(field(trailers(peer, 1), "grpc-status"), "0");
    assert.equal(dataBytes(peer, 1), 20 * 105);
    await (await srv.run(n)).ended;
    await peer.whenClosed;
  });

  test("the deadline ends a stream with DEADLINE_EXCEEDED after the messages sent", async () => {
    const peer = await RawPeer.connect(srv.port);
    const n = srv.runs.length;
    await peer.send(
      peer.headers(1, grpcRequest(HOLD, [["grpc-timeout", "20m"]])),
      rawFrame(DATA, END_STREAM, 1, grpcMessage(Buffer.alloc(0))),
    );
    assert.ok(await peer.until(() => trailers(peer, 1) !== undefined), "the stream ended");
    assert.equal(field(trailers(peer, 1), "grpc-status"), String(Code.DeadlineExceeded));
    assert.ok(dataBytes(peer, 1) > 0, "the message before the deadline was sent");
    await (await srv.run(n)).ended;
    peer.close();
  });

  test("a Connect service (grpc.health.v1) runs on it: unary and streaming; a request that does not decode is INTERNAL", async () => {
    const peer = await RawPeer.connect(srv.port);
    const req = (service: string) =>
      grpcMessage(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service })));
    await peer.send(
      peer.headers(1, grpcRequest("/grpc.health.v1.Health/Watch")),
      rawFrame(DATA, END_STREAM, 1, req("svc")),
      peer.headers(3, grpcRequest("/grpc.health.v1.Health/Check")),
      rawFrame(DATA, END_STREAM, 3, grpcMessage(Buffer.from([0x0a, 0x05, 0x61]))), // a string cut short
    );
    assert.ok(await peer.until(() => dataBytes(peer, 1) > 0 && trailers(peer, 3) !== undefined));
    assert.equal(field(trailers(peer, 3), "grpc-status"), String(Code.Internal));
    assert.match(
      decodeGrpcMessage(field(trailers(peer, 3), "grpc-message") ?? ""),
      /malformed grpc.health.v1.HealthCheckRequest/,
    );
    // SERVICE_UNKNOWN (3) first, then SERVING (1) once it is set.
    const statusByte = () => peer.frames.filter((f) => f.type === DATA && f.stream === 1).map((f) => f.payload.at(-1));
    assert.deepEqual(statusByte(), [3]);
    health.setStatus("svc", ServingStatus.SERVING);
    assert.ok(await peer.until(() => statusByte().length === 2));
    assert.deepEqual(statusByte(), [3, 1]);
    health.endWatches();
    assert.ok(await peer.until(() => trailers(peer, 1) !== undefined));
    assert.equal(field(trailers(peer, 1), "grpc-status"), "0");
    peer.close();
  });
});

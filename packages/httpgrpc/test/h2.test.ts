// Our HTTP/2 layer (src/wire/h2) against real peers: grpc-js on nghttp2 (flow control with small
// windows, a stream limit, large header blocks), raw sockets sending what a broken or foreign
// peer would, and shutdown with GOAWAY.
import assert from "node:assert/strict";
import { once } from "node:events";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeBinaryHeader, encodeGrpcMessage } from "@acme/h2";
import { createHTTPClient } from "../src/client.js";
import { encodeStatus, HTTP_RESPONSE_TYPE_URL, httpResponseFromError } from "../src/errors.js";
import { HTTPResponseSchema } from "../src/gen.js";
import { HTTP2_PREFACE, rawFrame } from "@acme/test-support/h2-frames";
import { bytes, request, startBackend, startFront } from "./support.js";

const protoPath = fileURLToPath(new URL("../../../proto/httpgrpc/httpgrpc.proto", import.meta.url));
// The shape of what grpc-js builds from the .proto at run time.
const pkg = grpc.loadPackageDefinition(
  loader.loadSync(protoPath, { keepCase: true, longs: Number, defaults: true }),
) as { httpgrpc: { HTTP: grpc.ServiceClientConstructor } };

interface GrpcReq {
  method: string;
  url: string;
  body: Buffer;
}

async function grpcJsServer(
  handle: (req: GrpcReq) => { Code: number; body: Buffer },
  options: grpc.ServerOptions = {},
): Promise<{ address: string; close(): void }> {
  const server = new grpc.Server(options);
  server.addService(pkg.httpgrpc.HTTP.service, {
    Handle(call: grpc.ServerUnaryCall<GrpcReq, unknown>, cb: grpc.sendUnaryData<unknown>) {
      const r = handle(call.request);
      setTimeout(() => cb(null, { Code: r.Code, headers: [], body: r.body }), 5);
    },
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

test("3 MiB each way with grpc-js: our sends wait for its 64 KiB windows, its sends fill ours", async () => {
  const peer = await grpcJsServer((req) => ({ Code: 200, body: Buffer.concat([req.body, Buffer.from(req.url)]) }));
  const client = createHTTPClient({ target: [peer.address] });
  try {
    const body = bytes(3 * 1024 * 1024, 3);
    const results = await Promise.all([1, 2, 3].map((i) => client.handle({ method: "POST", url: `/big/${i}`, body })));
    results.forEach((r, i) => {
      assert.equal(r.Code, 200);
      assert.equal(r.body.byteLength, body.length + `/big/${i + 1}`.length);
      assert.ok(Buffer.from(r.body.subarray(0, body.length)).equals(body), "the body came back intact");
    });
  } finally {
    await client.close();
    peer.close();
  }
});

test("a server that allows 2 concurrent streams: 30 calls all succeed, at most 2 at a time", async () => {
  let inFlight = 0;
  let most = 0;
  const server = new grpc.Server({ "grpc.max_concurrent_streams": 2 });
  server.addService(pkg.httpgrpc.HTTP.service, {
    Handle(call: grpc.ServerUnaryCall<GrpcReq, unknown>, cb: grpc.sendUnaryData<unknown>) {
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        cb(null, { Code: 200, headers: [], body: Buffer.from(call.request.url) });
      }, 10);
    },
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  const client = createHTTPClient({ target: [`127.0.0.1:${port}`] });
  try {
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => client.handle({ method: "GET", url: `/${i}` })));
    assert.deepEqual(
      rs.map((r) => Buffer.from(r.body).toString()),
      Array.from({ length: 30 }, (_, i) => `/${i}`),
    );
    assert.ok(most <= 2, `the server saw ${most} concurrent calls`);
  } finally {
    await client.close();
    server.forceShutdown();
  }
});

test("a 500 with a large body crosses in HEADERS + CONTINUATION frames, to our client and to grpc-js", async () => {
  const big = bytes(1024 * 1024, 9);
  // nghttp2 (under grpc-js) drops a header block of more than a few CONTINUATION frames (its
  // CONTINUATION-flood guard): at its 16 KiB frames, ~100 KB of trailers. Measured here: a 40 KB
  // body passes, a 60 KB one does not. So grpc-js gets 32 KiB.
  const mid = bytes(32 * 1024, 5);
  const backend = await startBackend((req: http.IncomingMessage, res: http.ServerResponse) => {
    res.statusCode = 500;
    res.end(req.url === "/big" ? big : mid);
  });
  const front = await startFront({ target: [backend.address] });
  const c = new pkg.httpgrpc.HTTP(backend.address, grpc.credentials.createInsecure(), {
    "grpc.max_metadata_size": 8 * 1024 * 1024,
  });
  try {
    const r = await request(`${front.url}/big`);
    assert.equal(r.status, 500);
    assert.ok(r.body.equals(big), "our forwarder replays the whole body");
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      c.Handle({ method: "GET", url: "/mid", headers: [] }, (e: grpc.ServiceError) => resolve(e)),
    );
    assert.equal(err.code, 500);
    const details = err.metadata.get("grpc-status-details-bin")[0] as Buffer;
    assert.ok(details.length > mid.length, `grpc-js received the details (${details.length} bytes)`);
    assert.ok(details.length > 16 * 1024 * 2, "they needed CONTINUATION frames at grpc-js's 16 KiB frame size");
  } finally {
    c.close();
    await front.close();
    await backend.close();
  }
});

/**
 * A raw TCP peer: connects, writes, and collects what comes back until the server closes. Every
 * exchange here ends with the server's GOAWAY and close, so there is no timer: one could cut the
 * answer short on a slow machine.
 */
function rawExchange(port: number, send: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      for (const b of send) s.write(b);
    });
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(chunks)));
  });
}

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

function frames(buf: Buffer): Frame[] {
  const out: Frame[] = [];
  for (let off = 0; off + 9 <= buf.length; ) {
    const len = buf.readUIntBE(off, 3);
    out.push({
      type: buf[off + 3],
      flags: buf[off + 4],
      stream: buf.readUInt32BE(off + 5) & 0x7fffffff,
      payload: buf.subarray(off + 9, off + 9 + len),
    });
    off += 9 + len;
  }
  return out;
}

const frame = rawFrame;

test("foreign and broken peers get a GOAWAY that says what was wrong, and the server keeps serving", async () => {
  const backend = await startBackend((_req: http.IncomingMessage, res: http.ServerResponse) => res.end("still here"));
  const front = await startFront({ target: [backend.address] });
  try {
    // HTTP/1.1 on the h2c port.
    const h1 = frames(await rawExchange(backend.port, [Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")]));
    const goaway1 = h1.find((f) => f.type === 7);
    assert.ok(goaway1, "a GOAWAY frame");
    assert.equal(goaway1.payload.readUInt32BE(4), 1, "PROTOCOL_ERROR");
    assert.match(goaway1.payload.subarray(8).toString(), /not an HTTP\/2 client preface/);

    // A SETTINGS frame of 5 bytes (must be a multiple of 6).
    const bad = frames(await rawExchange(backend.port, [HTTP2_PREFACE, frame(4, 0, 0, Buffer.alloc(5))]));
    const goaway2 = bad.find((f) => f.type === 7);
    assert.equal(goaway2?.payload.readUInt32BE(4), 6, "FRAME_SIZE_ERROR");
    assert.match(goaway2!.payload.subarray(8).toString(), /SETTINGS of the wrong size/);

    // A PING is answered with the same payload, then a bad HPACK block ends the connection.
    const ping = Buffer.from("12345678");
    const got = frames(
      await rawExchange(backend.port, [
        HTTP2_PREFACE,
        frame(4, 0, 0, Buffer.alloc(0)),
        frame(6, 0, 0, ping),
        frame(1, 4, 1, Buffer.from([0x80])),
      ]),
    );
    const ack = got.find((f) => f.type === 6);
    assert.equal(ack?.flags, 1);
    assert.ok(ack!.payload.equals(ping));
    assert.equal(got.find((f) => f.type === 7)?.payload.readUInt32BE(4), 9, "COMPRESSION_ERROR");

    const r = await request(`${front.url}/ok`);
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "still here");
  } finally {
    await front.close();
    await backend.close();
  }
});

test("our client against an HTTP/1.1 server: a 503 that names the problem, not a hang", async () => {
  const h1 = http.createServer((_req, res) => res.end("hi"));
  await new Promise<void>((r) => h1.listen(0, "127.0.0.1", r));
  const client = createHTTPClient({ target: [`127.0.0.1:${(h1.address() as net.AddressInfo).port}`], maxAttempts: 1 });
  try {
    await assert.rejects(client.handle({ method: "GET", url: "/" }), (e: unknown) => {
      const ce = ConnectError.from(e);
      assert.equal(ce.code, Code.Unavailable);
      assert.match(ce.rawMessage, /HTTP\/1\.1|HTTP\/2/);
      return true;
    });
  } finally {
    await client.close();
    h1.closeAllConnections();
    await new Promise<void>((r) => h1.close(() => r()));
  }
});

test("closing the server sends GOAWAY: the call in flight completes, the connection then closes", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const inHandler = new Promise<void>((r) => (arrived = r));
  const backend = await startBackend(async (_req: http.IncomingMessage, res: http.ServerResponse) => {
    arrived();
    await gate;
    res.end("finished");
  });
  const client = createHTTPClient({ target: [backend.address] });
  try {
    const inFlight = client.handle({ method: "GET", url: "/slow" });
    await inHandler;
    // close() writes GOAWAY at once, so it is on the wire ahead of the response released below.
    const closed = backend.close();
    release();
    const r = await inFlight;
    assert.equal(Buffer.from(r.body).toString(), "finished");
    await closed;
    const after = await client.roundTrip({ method: "GET", url: "/again" }).catch((e: unknown) => e);
    assert.equal(httpResponseFromError(after), undefined);
    assert.equal(ConnectError.from(after).code, Code.Unavailable, "no server: unavailable, not a hang");
  } finally {
    await client.close();
  }
});

test("a grpc-go-shaped dskit error with a 3 MB body (in grpc-message and again in grpc-status-details-bin) is replayed in full", async () => {
  // The body as text with '%' and non-ASCII, so that grpc-message percent-encodes part of it.
  const body = Buffer.from(
    "error 100% é, ".repeat(Math.ceil((3 * 1024 * 1024) / 16)).slice(0, 3 * 1024 * 1024 - 8),
    "utf8",
  );
  const resp = create(HTTPResponseSchema, {
    Code: 503,
    headers: [{ key: "Content-Type", values: ["text/plain"] }],
    body,
  });
  const message = body.toString("utf8");
  // What grpc-go writes for status.ErrorProto(&Status{Code: 503, Message: body, Details: [HTTPResponse]}).
  const trailers = {
    ":status": 200,
    "content-type": "application/grpc",
    "grpc-status": "503",
    "grpc-message": encodeGrpcMessage(message),
    "grpc-status-details-bin": encodeBinaryHeader(
      encodeStatus({
        code: 503,
        message,
        details: [{ typeUrl: HTTP_RESPONSE_TYPE_URL, value: toBinary(HTTPResponseSchema, resp) }],
      }),
    ),
  };
  const listBytes = Object.entries(trailers).reduce((n, [k, v]) => n + k.length + String(v).length + 32, 0);
  assert.ok(listBytes > 10 * 1024 * 1024, `trailers of ${listBytes} bytes`);
  const backend = http2.createServer({ maxSendHeaderBlockLength: 64 * 1024 * 1024, maxSessionMemory: 1024 });
  backend.on("stream", (stream) => {
    stream.on("error", () => {});
    stream.resume();
    stream.on("end", () => stream.respond(trailers, { endStream: true }));
  });
  backend.listen(0, "127.0.0.1");
  await once(backend, "listening");
  const front = await startFront({
    target: [`127.0.0.1:${(backend.address() as net.AddressInfo).port}`],
    maxAttempts: 1,
  });
  try {
    const r = await request(`${front.url}/big-error`);
    assert.equal(r.status, 503);
    assert.equal(r.body.length, body.length);
    assert.ok(r.body.equals(body), "the whole body, as the Go front end replays it");
  } finally {
    await front.close();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  }
});

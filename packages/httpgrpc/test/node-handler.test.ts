// Node (req, res) handlers behind the adapter, run in memory on Node's own IncomingMessage and
// ServerResponse: what the handler sees, what it may do with the response, and how failures end.
// Real gRPC calls over loopback (our client against createHTTPServer).
import assert from "node:assert/strict";
import { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import express from "express";
import Fastify from "fastify";
import { Cancellation, createHTTPClient, type HTTPClient } from "../src/client.js";
import { bytes, startBackend, type Backend } from "./support.js";

const text = (b: Uint8Array) => Buffer.from(b).toString();
const header = (r: { headers: { key: string; values: string[] }[] }, key: string) =>
  r.headers.find((h) => h.key.toLowerCase() === key)?.values;

/** What /events/<id> saw of its request and response after answering, by id. */
const seen = new Map<string, string[]>();
let entered: (() => void) | undefined;
let abortedSeen: (() => void) | undefined;

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

async function echoRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readAll(req);
  res.setHeader("content-type", "application/json");
  res.end(
    JSON.stringify({
      nodeClasses: req instanceof IncomingMessage && res instanceof ServerResponse,
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      remoteAddress: req.socket.remoteAddress,
      complete: req.complete,
      body: body.toString(),
    }),
  );
}

function handler(req: IncomingMessage, res: ServerResponse): unknown {
  const path = (req.url ?? "").split("?")[0];
  if (path.startsWith("/echo-request")) return echoRequest(req, res);
  if (path === "/stream") {
    res.writeHead(207, { "x-a": ["1", "2"], "content-type": "text/plain" });
    Readable.from(["one ", Buffer.from("two "), "three"]).pipe(res);
  } else if (path === "/big") {
    res.write(bytes(100_000, 1));
    res.end(bytes(100_000, 2));
  } else if (path === "/throw") {
    throw new Error("sync failure");
  } else if (path === "/reject") {
    return Promise.resolve().then(() => {
      throw new Error("async failure");
    });
  } else if (path === "/destroy") {
    res.write("half");
    res.destroy();
  } else if (path === "/write-after-end") {
    res.end("first");
    res.write("second");
  } else if (path.startsWith("/events/")) {
    const events: string[] = [];
    seen.set(path.slice("/events/".length), events);
    req.on("end", () => events.push("req end"));
    req.on("close", () => events.push("req close"));
    res.on("finish", () => events.push("res finish"));
    res.on("close", () => events.push("res close"));
    res.end("ok");
  } else if (path === "/slow") {
    res.on("close", () => {
      if (!res.writableEnded) abortedSeen?.();
    });
    entered?.();
  } else {
    res.statusCode = 404;
    res.end("no such path");
  }
  return undefined;
}

describe("a Node handler behind the adapter, in memory", () => {
  let backend: Backend;
  let client: HTTPClient;
  before(async () => {
    backend = await startBackend(handler);
    client = createHTTPClient({ target: [backend.address] });
  });
  after(async () => {
    await client.close();
    await backend.close();
  });

  test("the request is Node's own: raw request-target, headers as Node's HTTP server parses them, the body as a stream", async () => {
    const r = await client.handle({
      method: "POST",
      url: "/echo-request/a/../b?x=%2F&y",
      headers: [
        { key: "X-Dup", values: ["1", "2"] },
        { key: "Cookie", values: ["a=1", "b=2"] },
        { key: "Content-Type", values: ["text/plain", "text/html"] },
        { key: "Set-Cookie", values: ["s=1", "t=2"] },
        // Framing is recomputed from the body, never trusted.
        { key: "Content-Length", values: ["999"] },
      ],
      body: Buffer.from("hello"),
    });
    const got = JSON.parse(text(r.body)) as Record<string, unknown> & { headers: Record<string, unknown> };
    assert.equal(got.nodeClasses, true);
    assert.equal(got.method, "POST");
    // Not normalised (no "/b"): the handler sees the request-target as sent, as from a socket.
    assert.equal(got.url, "/echo-request/a/../b?x=%2F&y");
    assert.equal(got.httpVersion, "1.1");
    assert.equal(got.headers["x-dup"], "1, 2");
    assert.equal(got.headers.cookie, "a=1; b=2");
    assert.equal(got.headers["content-type"], "text/plain"); // a single-value header keeps its first
    assert.deepEqual(got.headers["set-cookie"], ["s=1", "t=2"]);
    assert.equal(got.headers["content-length"], "5");
    assert.equal(got.headers.host, "localhost:80");
    assert.deepEqual(
      (got.rawHeaders as string[]).filter((_, i, a) => i % 2 === 1 && a[i - 1] === "x-dup"),
      ["1", "2"],
    );
    assert.equal(got.remoteAddress, "127.0.0.1");
    assert.equal(got.complete, true);
    assert.equal(got.body, "hello");
  });

  test("a request without a body has no Content-Length, and its stream ends at once", async () => {
    const r = await client.handle({ method: "GET", url: "/echo-request" });
    const got = JSON.parse(text(r.body)) as { headers: Record<string, unknown>; body: string };
    assert.equal(got.headers["content-length"], undefined);
    assert.equal(got.body, "");
  });

  test("writeHead with a multi-value header, then a body piped in pieces", async () => {
    const r = await client.handle({ method: "GET", url: "/stream" });
    assert.equal(r.Code, 207);
    assert.deepEqual(header(r, "x-a"), ["1", "2"]);
    assert.equal(text(r.body), "one two three");
  });

  test("write() then end(chunk): both pieces, in order", async () => {
    const r = await client.handle({ method: "GET", url: "/big" });
    assert.ok(Buffer.from(r.body).equals(Buffer.concat([bytes(100_000, 1), bytes(100_000, 2)])));
  });

  test("HEAD: the handler's body is dropped, as Node's server does", async () => {
    const r = await client.handle({ method: "HEAD", url: "/big" });
    assert.equal(r.Code, 200);
    assert.equal(r.body.byteLength, 0);
  });

  test("the request ends and closes, and the response finishes and closes, as from Node's HTTP server", async () => {
    await client.handle({ method: "GET", url: "/events/1" });
    // Node's server drains an unread request once the response finished; all of this happens in
    // the ticks before the response leaves the backend.
    assert.deepEqual([...(seen.get("1") ?? [])].sort(), ["req close", "req end", "res close", "res finish"]);
  });

  for (const [path, why] of [
    ["/throw", "a handler that throws"],
    ["/reject", "an async handler that rejects"],
    ["/destroy", "a handler that destroys its response half-way"],
  ]) {
    test(`${why}: 500, and the server keeps serving`, async () => {
      const r = await client.roundTrip({ method: "GET", url: path });
      assert.equal(r.Code, 500);
      assert.equal(text(r.body), "Internal Server Error\n");
      assert.equal(text((await client.handle({ method: "GET", url: "/stream" })).body), "one two three");
    });
  }

  test("a write after end is refused (not added to the body), and the server keeps serving", async () => {
    const r = await client.handle({ method: "GET", url: "/write-after-end" });
    assert.equal(text(r.body), "first");
    assert.equal(text((await client.handle({ method: "GET", url: "/stream" })).body), "one two three");
  });

  for (const how of ["cancellation", "signal"] as const) {
    test(`a call stopped through CallOptions.${how}: CANCELED, and the handler's response closes`, async () => {
      const inHandler = new Promise<void>((resolve) => (entered = resolve));
      const closed = new Promise<void>((resolve) => (abortedSeen = resolve));
      const cancellation = new Cancellation();
      const ac = new AbortController();
      const call = client.handle(
        { method: "GET", url: "/slow" },
        how === "cancellation" ? { cancellation } : { signal: ac.signal },
      );
      await inHandler;
      if (how === "cancellation") cancellation.cancel(new Error("stop"));
      else ac.abort(new Error("stop"));
      await assert.rejects(call, (e: unknown) => {
        assert.equal(ConnectError.from(e).code, Code.Canceled);
        return true;
      });
      await closed; // the backend heard of it: would hang if the RST_STREAM never reached the handler
    });
  }
});

describe("Fastify's routing behind the adapter", () => {
  let backend: Backend;
  let client: HTTPClient;
  const app = Fastify();
  before(async () => {
    app.post("/items/:id", async (req, reply) => {
      reply.header("x-id", (req.params as { id: string }).id).code(201);
      return { got: req.body, ip: req.ip };
    });
    await app.ready();
    backend = await startBackend((req: IncomingMessage, res: ServerResponse) => app.routing(req, res));
    client = createHTTPClient({ target: [backend.address] });
  });
  after(async () => {
    await client.close();
    await backend.close();
    await app.close();
  });

  test("a JSON body in, a JSON reply out", async () => {
    const r = await client.handle({
      method: "POST",
      url: "/items/7",
      headers: [{ key: "Content-Type", values: ["application/json"] }],
      body: Buffer.from(JSON.stringify({ a: 1 })),
    });
    assert.equal(r.Code, 201);
    assert.deepEqual(header(r, "x-id"), ["7"]);
    assert.deepEqual(JSON.parse(text(r.body)), { got: { a: 1 }, ip: "127.0.0.1" });
  });
});

describe("Express middleware behind the adapter", () => {
  let backend: Backend;
  let client: HTTPClient;
  before(async () => {
    const app = express();
    app.use(express.json());
    app.use(express.urlencoded({ extended: false }));
    app.post("/parsed", (req, res) => {
      res.json({ body: req.body as unknown, ip: req.ip, protocol: req.protocol });
    });
    backend = await startBackend(app);
    client = createHTTPClient({ target: [backend.address] });
  });
  after(async () => {
    await client.close();
    await backend.close();
  });

  for (const [type, body] of [
    ["application/json", JSON.stringify({ x: [1, 2] })],
    ["application/x-www-form-urlencoded", "x=1&y=2"],
  ]) {
    test(`body-parser reads a ${type} body`, async () => {
      const r = await client.handle({
        method: "POST",
        url: "/parsed",
        headers: [{ key: "Content-Type", values: [type] }],
        body: Buffer.from(body),
      });
      const got = JSON.parse(text(r.body)) as { body: unknown; ip: string; protocol: string };
      assert.deepEqual(got.body, type === "application/json" ? { x: [1, 2] } : { x: "1", y: "2" });
      assert.equal(got.ip, "127.0.0.1");
      assert.equal(got.protocol, "http");
    });
  }

  test("an unknown path: Express's own 404, its body read and dropped first", async () => {
    const r = await client.roundTrip({ method: "POST", url: "/nowhere", body: Buffer.from("ignored") });
    assert.equal(r.Code, 404);
    assert.match(text(r.body), /Cannot POST \/nowhere/);
  });
});

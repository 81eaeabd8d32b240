// The server adapter behind the forwarder, end to end on loopback: HTTP/1.1 → forwarder →
// gRPC (HTTP/2) → adapter → Express or a fetch-style (Hono) handler, and back.
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import express from "express";
import { Hono } from "hono";
import { createHTTPClient } from "../src/client.js";
import { httpgrpcContext } from "../src/server.js";
import { bytes, request, startBackend, startFront, type Backend, type Front } from "./support.js";

const MiB = 1024 * 1024;

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const events: { slowEntered?: () => void; abortedSeen?: () => void } = {};

function expressApp() {
  const app = express();
  app.all("/echo", async (req, res) => {
    const body = await readAll(req);
    res.setHeader("X-Method", req.method);
    res.setHeader("X-Url", req.originalUrl);
    res.setHeader(
      "X-Got-Dup",
      req.rawHeaders.filter((_, i) => i % 2 === 1 && req.rawHeaders[i - 1].toLowerCase() === "x-dup"),
    );
    res.setHeader("X-Tenant", String(req.headers["x-scope-orgid"] ?? ""));
    res.setHeader("Set-Cookie", ["a=1", "b=2"]);
    res.setHeader("Content-Type", "application/octet-stream");
    res.status(201).end(body);
  });
  app.get("/big", (req, res) => {
    res.end(bytes(Number(req.query.n)));
  });
  app.get("/nostatus", (_req, res) => {
    res.end();
  });
  app.get("/deadline", (req, res) => {
    res.end(String(httpgrpcContext(req)?.deadline));
  });
  app.get("/slow", (_req, res) => {
    events.slowEntered?.();
    // Only a cancellation ends it in the tests; the timer just bounds a broken run's cleanup.
    const t = setTimeout(() => res.end("late"), 600_000).unref();
    res.on("close", () => {
      clearTimeout(t);
      if (!res.writableEnded) events.abortedSeen?.();
    });
  });
  return app;
}

describe("Express behind the adapter", () => {
  let backend: Backend;
  let front: Front;
  before(async () => {
    backend = await startBackend(expressApp());
    front = await startFront({ target: [backend.address] });
  });
  after(async () => {
    await front.close();
    await backend.close();
  });

  test("method, request-target, multi-value headers, tenant and binary body go through and back", async () => {
    const body = bytes(4096);
    const r = await request(`${front.url}/echo?q=a%2Fb&x=1`, {
      method: "PUT",
      headers: { "X-Dup": ["one", "two"], "X-Scope-OrgID": "tenant-1", "Content-Type": "application/octet-stream" },
      body,
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers["x-method"], "PUT");
    assert.equal(r.headers["x-url"], "/echo?q=a%2Fb&x=1");
    assert.equal(r.headers["x-got-dup"], "one, two"); // two values reached the handler as two raw headers
    assert.equal(r.headers["x-tenant"], "tenant-1");
    assert.deepEqual(r.headers["set-cookie"], ["a=1", "b=2"]);
    assert.ok(body.equals(r.body));
  });

  test("empty body, and status 200 when the handler sets none", async () => {
    const e = await request(`${front.url}/echo`, { method: "POST" });
    assert.equal(e.status, 201);
    assert.equal(e.body.length, 0);
    const n = await request(`${front.url}/nostatus`);
    assert.equal(n.status, 200);
  });

  test("bodies at the 4 MiB limit pass both ways; over it → 413", async () => {
    const body = bytes(4 * MiB, 3);
    const r = await request(`${front.url}/echo`, { method: "POST", body });
    assert.equal(r.status, 201);
    assert.ok(body.equals(r.body));
    const big = await request(`${front.url}/big?n=${4 * MiB}`);
    assert.equal(big.status, 200);
    assert.equal(big.body.length, 4 * MiB);
    const over = await request(`${front.url}/big?n=${4 * MiB + 1}`);
    assert.equal(over.status, 413);
    assert.match(over.body.toString(), /exceeds 4194304 bytes/);
  });

  test("a 10 MiB body against the 4 MiB limit: 413 from the forwarder, RESOURCE_EXHAUSTED from the adapter; both keep serving", async () => {
    const r = await request(`${front.url}/echo`, { method: "POST", body: bytes(10 * MiB) });
    assert.equal(r.status, 413);
    assert.match(r.body.toString(), /request body exceeds 4194304 bytes/);
    // A client allowing 16 MiB sends it anyway: the adapter's gRPC limit refuses it.
    const loose = createHTTPClient({ target: [backend.address], maxBodyBytes: 16 * MiB });
    try {
      await assert.rejects(loose.handle({ method: "POST", url: "/echo", body: bytes(10 * MiB) }), (e: unknown) => {
        assert.equal(ConnectError.from(e).code, Code.ResourceExhausted);
        return true;
      });
    } finally {
      await loose.close();
    }
    const again = await request(`${front.url}/echo`, { method: "POST", body: Buffer.from("still here") });
    assert.equal(again.body.toString(), "still here");
  });

  test("a slow handler whose client aborts sees the abort", async () => {
    const seen = new Promise<void>((resolve) => (events.abortedSeen = resolve));
    const entered = new Promise<void>((resolve) => (events.slowEntered = resolve));
    const ac = new AbortController();
    const pending = request(`${front.url}/slow`, { signal: ac.signal });
    await entered; // the abort comes once the call is in the handler, however slow the way there
    ac.abort();
    await assert.rejects(pending);
    await seen; // would hang if the abort never reached the handler
  });

  test("an exceeded deadline → 504", async () => {
    const f = await startFront({ target: [backend.address] }, { timeoutMs: 200 });
    try {
      const r = await request(`${f.url}/slow`);
      assert.equal(r.status, 504);
      assert.match(r.body.toString(), /timed out/);
    } finally {
      await f.close();
    }
  });

  test("the handler sees the call's deadline", async () => {
    // A deadline far beyond the call, so that no machine is too slow to reach the handler in time.
    const timeoutMs = 600_000;
    const f = await startFront({ target: [backend.address] }, { timeoutMs });
    try {
      const before = Date.now();
      const r = await request(`${f.url}/deadline`);
      const after = Date.now();
      assert.equal(r.status, 200);
      const deadline = Number(r.body.toString());
      assert.ok(
        deadline > after && deadline <= after + timeoutMs,
        `deadline ${deadline - before} ms after the request, for a timeout of ${timeoutMs} ms`,
      );
    } finally {
      await f.close();
    }
  });
});

let fetchAbortSeen: () => void = () => {};

describe("fetch-style handler (Hono) behind the adapter", () => {
  let backend: Backend;
  let front: Front;
  before(async () => {
    const app = new Hono();
    app.post("/items/:id", async (c) => {
      const body = new Uint8Array(await c.req.arrayBuffer());
      c.header("X-Id", c.req.param("id"));
      c.header("X-Multi", "1");
      c.header("X-Multi", "2", { append: true });
      c.header("X-Seen-Query", c.req.query("q") ?? "");
      return c.body(body.reverse(), 202);
    });
    app.get("/fail", (c) => c.text("broken", 503));
    app.get("/wait", async (c) => {
      const signal = c.req.raw.signal;
      if (!signal.aborted)
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      fetchAbortSeen();
      return c.text("too late");
    });
    backend = await startBackend(app);
    front = await startFront({ target: [backend.address] });
  });
  after(async () => {
    await front.close();
    await backend.close();
  });

  test("request and response go through", async () => {
    const r = await request(`${front.url}/items/42?q=z`, { method: "POST", body: Buffer.from([1, 2, 3]) });
    assert.equal(r.status, 202);
    assert.equal(r.headers["x-id"], "42");
    assert.equal(r.headers["x-multi"], "1, 2");
    assert.equal(r.headers["x-seen-query"], "z");
    assert.deepEqual([...r.body], [3, 2, 1]);
  });

  test("the Request's signal aborts at the deadline → 504", async () => {
    const f = await startFront({ target: [backend.address] }, { timeoutMs: 1000 });
    try {
      // An open connection first: the call's HEADERS then leave in the same tick its deadline
      // timer starts, and the backend enforces grpc-timeout itself from their arrival.
      assert.equal((await request(`${f.url}/fail`)).status, 503);
      const aborted = new Promise<void>((resolve) => (fetchAbortSeen = resolve));
      const r = await request(`${f.url}/wait`);
      assert.equal(r.status, 504);
      await aborted; // would hang if the handler's signal never aborted
    } finally {
      await f.close();
    }
  });

  test("a 503 from the handler is replayed", async () => {
    const r = await request(`${front.url}/fail`);
    assert.equal(r.status, 503);
    assert.equal(r.body.toString(), "broken");
  });
});

describe("bad input to the adapter", () => {
  let backend: Backend;
  let calls = 0;
  before(async () => {
    backend = await startBackend((_req: IncomingMessage, res: ServerResponse) => {
      calls++;
      res.end("ok");
    });
  });
  after(() => backend.close());

  const cases: [string, Parameters<ReturnType<typeof createHTTPClient>["handle"]>[0], RegExp][] = [
    [
      "CRLF in a header value",
      { method: "GET", url: "/", headers: [{ key: "X-A", values: ["ok\r\nInjected: yes"] }] },
      /header "X-A".*CR, LF/,
    ],
    [
      "an invalid header name",
      { method: "GET", url: "/", headers: [{ key: "Bad Name", values: ["v"] }] },
      /invalid header name "Bad Name"/,
    ],
    [
      "an absolute URL",
      { method: "GET", url: "http://169.254.169.254/latest/meta-data" },
      /invalid url .*must be a path/,
    ],
    ["a scheme-relative URL", { method: "GET", url: "//evil.example/x" }, /must not start with "\/\/"/],
    ["an invalid method", { method: "GE T", url: "/" }, /invalid method "GE T"/],
  ];
  for (const [name, req, why] of cases) {
    test(`${name} → INVALID_ARGUMENT with a clear message, and the server keeps serving`, async () => {
      const client = createHTTPClient({ target: [backend.address] });
      try {
        const before = calls;
        await assert.rejects(client.handle(req), (e: unknown) => {
          const ce = ConnectError.from(e);
          assert.equal(ce.code, Code.InvalidArgument);
          assert.match(ce.rawMessage, why);
          return true;
        });
        assert.equal(calls, before, "the handler never ran");
        const ok = await client.handle({ method: "GET", url: "/" });
        assert.equal(new TextDecoder().decode(ok.body), "ok");
      } finally {
        await client.close();
      }
    });
  }
});

// The transport-failure table: every row as connect-node hands the failure over (a ConnectError
// whose cause is the Node error), then the failures a real connect-node client meets on loopback,
// so that the shapes the table reads are the ones Node and connect-node produce.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { test } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { GreeterService } from "@acme/greeter/v1";
import {
  classifyFailure,
  closedByPeer,
  createBalancedTransport,
  deadlineSpent,
  H2_FAILURES,
  NODE_FAILURES,
  NoEndpointsError,
  toConnectError,
  type FailureKind,
} from "../src/index.js";

/** A Node error as Node's own APIs make them: an Error with a string `code`. */
function nodeError(code: string, message = `${code} from the socket`): Error {
  return Object.assign(new Error(message), { code });
}

/** What connect-node throws for a Node error: a ConnectError with the Node error as its cause. */
function viaConnectNode(cause: Error, code = Code.Internal): ConnectError {
  return new ConnectError(cause.message, code, undefined, undefined, cause);
}

const cases: { failure: string; err: () => unknown; kind: FailureKind; code?: Code }[] = [
  { failure: "ECONNREFUSED", err: () => viaConnectNode(nodeError("ECONNREFUSED"), Code.Unavailable), kind: "unsent" },
  { failure: "ENOTFOUND", err: () => viaConnectNode(nodeError("ENOTFOUND"), Code.Unavailable), kind: "unsent" },
  { failure: "EAI_AGAIN", err: () => viaConnectNode(nodeError("EAI_AGAIN"), Code.Unavailable), kind: "unsent" },
  { failure: "EHOSTUNREACH", err: () => viaConnectNode(nodeError("EHOSTUNREACH")), kind: "unsent" },
  { failure: "ENETUNREACH", err: () => viaConnectNode(nodeError("ENETUNREACH")), kind: "unsent" },
  { failure: "ETIMEDOUT", err: () => viaConnectNode(nodeError("ETIMEDOUT"), Code.Unavailable), kind: "unsent" },
  {
    failure: "a new stream after GOAWAY",
    err: () => viaConnectNode(nodeError("ERR_HTTP2_GOAWAY_SESSION")),
    kind: "unsent",
  },
  { failure: "a destroyed session", err: () => viaConnectNode(nodeError("ERR_HTTP2_INVALID_SESSION")), kind: "unsent" },
  { failure: "ECONNRESET", err: () => viaConnectNode(nodeError("ECONNRESET"), Code.Aborted), kind: "sent" },
  { failure: "EPIPE", err: () => viaConnectNode(nodeError("EPIPE")), kind: "sent" },
  {
    failure: "ERR_STREAM_DESTROYED",
    err: () => viaConnectNode(nodeError("ERR_STREAM_DESTROYED"), Code.Aborted),
    kind: "sent",
  },
  {
    failure: "ERR_HTTP2_INVALID_STREAM",
    err: () => viaConnectNode(nodeError("ERR_HTTP2_INVALID_STREAM")),
    kind: "sent",
  },
  {
    failure: "GOAWAY with an error code",
    err: () => viaConnectNode(nodeError("ERR_HTTP2_SESSION_ERROR", "Session closed with error code 2")),
    kind: "sent",
  },
  {
    failure: "RST_STREAM INTERNAL_ERROR",
    err: () =>
      viaConnectNode(nodeError("ERR_HTTP2_STREAM_ERROR", "Stream closed with error code NGHTTP2_INTERNAL_ERROR")),
    kind: "sent",
  },
  {
    failure: "RST_STREAM REFUSED_STREAM",
    err: () =>
      viaConnectNode(nodeError("ERR_HTTP2_STREAM_ERROR", "Stream closed with error code NGHTTP2_REFUSED_STREAM")),
    kind: "unsent",
    code: Code.Unavailable,
  },
  {
    // Only Node's stream-error code is read for an HTTP/2 code name, not any message that mentions one.
    failure: "a message naming REFUSED_STREAM under another code",
    err: () => viaConnectNode(nodeError("ECONNRESET", "Stream closed with error code NGHTTP2_REFUSED_STREAM")),
    kind: "sent",
  },
  {
    failure: "an unsent code deeper in the chain than a sent one",
    err: () => viaConnectNode(Object.assign(nodeError("ECONNRESET"), { cause: nodeError("ECONNREFUSED") })),
    kind: "unsent",
  },
  {
    failure: "UNAVAILABLE with an unknown cause",
    err: () => viaConnectNode(new Error("x"), Code.Unavailable),
    kind: "sent",
  },
  { failure: "ABORTED with an unknown cause", err: () => viaConnectNode(new Error("x"), Code.Aborted), kind: "sent" },
  { failure: "INTERNAL with an unknown cause", err: () => viaConnectNode(new Error("x")), kind: "none" },
  { failure: "a status the server sent", err: () => new ConnectError("no such user", Code.NotFound), kind: "none" },
  { failure: "UNAVAILABLE the server sent", err: () => new ConnectError("draining", Code.Unavailable), kind: "none" },
  {
    failure: "the caller's cancel",
    err: () => viaConnectNode(nodeError("ECONNRESET"), Code.Canceled),
    kind: "none",
  },
  {
    failure: "the call's deadline",
    err: () => viaConnectNode(nodeError("ETIMEDOUT"), Code.DeadlineExceeded),
    kind: "none",
  },
  {
    failure: "a transport's own failure before sending",
    err: () => Object.assign(new Error("connect ECONNREFUSED"), { sent: false }),
    kind: "unsent",
    code: Code.Unavailable,
  },
  {
    failure: "a transport's own failure after sending",
    err: () => Object.assign(new Error("connection reset"), { sent: true }),
    kind: "sent",
    code: Code.Unavailable,
  },
  { failure: "a transport that throws something else", err: () => new TypeError("oops"), kind: "sent" },
];

for (const c of cases) {
  const becomes = c.code === undefined ? "is passed on as it is" : `becomes ${Code[c.code]}`;
  test(`${c.failure}: "${c.kind}" for the balancer; for callers it ${becomes}`, () => {
    const err = c.err();
    assert.equal(classifyFailure(err), c.kind);
    const out = toConnectError(err);
    if (c.code === undefined) {
      assert.equal(out, err);
      return;
    }
    assert.ok(out instanceof ConnectError);
    assert.equal(out.code, c.code);
    assert.equal(out.cause, err, "the failure is kept as the cause");
    assert.equal(classifyFailure(out), c.kind, "the ConnectError callers see is classified the same");
  });
}

test("every Node error code and HTTP/2 code of the tables has a case above", () => {
  const named = cases.map((c) => {
    const err = c.err();
    const chain: unknown[] = [];
    for (let e: unknown = err; e instanceof Error; e = (e as Error).cause) {
      chain.push((e as { code?: unknown }).code, e.message);
    }
    return chain.join(" ");
  });
  for (const key of [...Object.keys(NODE_FAILURES), ...Object.keys(H2_FAILURES)]) {
    assert.ok(
      named.some((n) => n.includes(key)),
      `${key} is tested`,
    );
  }
});

test("no endpoint becomes UNAVAILABLE naming why", () => {
  const why = new NoEndpointsError('all 2 endpoint(s) of "dns:///x:1" failed');
  const out = toConnectError(why);
  assert.ok(out instanceof ConnectError);
  assert.equal(out.code, Code.Unavailable);
  assert.match(out.message, /all 2 endpoint\(s\) of "dns:\/\/\/x:1" failed/);
  assert.equal(out.cause, why);
});

test("deadlineSpent: only a DEADLINE_EXCEEDED that came once the call's own deadline had passed", () => {
  const deadline = new ConnectError("deadline exceeded", Code.DeadlineExceeded);
  const now = performance.now();
  assert.equal(deadlineSpent(deadline, now - 100, 100), true);
  assert.equal(deadlineSpent(deadline, now, 60_000), false, "the server's own DEADLINE_EXCEEDED, sent early");
  assert.equal(deadlineSpent(deadline, now - 100, undefined), false, "no deadline");
  assert.equal(deadlineSpent(deadline, now - 100, 0), false, "0 = no deadline");
  assert.equal(deadlineSpent(new ConnectError("x", Code.Unavailable), now - 100, 100), false);
});

// Real failures through connect-node.

async function h2Server(
  onStream: (s: http2.ServerHttp2Stream) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (s) => {
    s.on("error", () => {}); // a stream the server resets emits its own error code here too
    onStream(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

/** One unary call over a connect-node gRPC transport; resolves with its error. */
async function failedCall(baseUrl: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<unknown> {
  const sessionManager = new Http2SessionManager(baseUrl);
  try {
    await createClient(GreeterService, createGrpcTransport({ baseUrl, sessionManager })).sayHello({ name: "x" }, opts);
  } catch (err) {
    return err;
  } finally {
    sessionManager.abort();
  }
  assert.fail("the call succeeded");
}

test("real: a refused connection is unsent and UNAVAILABLE", async () => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const err = await failedCall(`http://127.0.0.1:${port}`);
  assert.equal(classifyFailure(err), "unsent");
  assert.equal(ConnectError.from(toConnectError(err)).code, Code.Unavailable);
});

test("real: a stream the server refuses (RST_STREAM REFUSED_STREAM) is unsent and UNAVAILABLE", async () => {
  const server = await h2Server((s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM));
  try {
    const err = await failedCall(server.url);
    assert.equal(classifyFailure(err), "unsent");
    const out = toConnectError(err);
    assert.ok(out instanceof ConnectError);
    assert.equal(out.code, Code.Unavailable, String(out));
  } finally {
    await server.close();
  }
});

test("real: a stream the server resets with INTERNAL_ERROR is sent, and stays as connect-node reports it", async () => {
  const server = await h2Server((s) => s.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
  try {
    const err = await failedCall(server.url);
    assert.equal(classifyFailure(err), "sent");
    assert.equal(toConnectError(err), err);
  } finally {
    await server.close();
  }
});

test("real: a status the server sent, the call's deadline and the caller's cancel count for nothing", async () => {
  const hung: http2.ServerHttp2Stream[] = [];
  let secondArrived!: () => void;
  const arrived = new Promise<void>((r) => (secondArrived = r));
  const server = http2.createServer(
    connectNodeAdapter({
      routes: (r) =>
        r.service(GreeterService, {
          sayHello(req) {
            if (req.name === "x") throw new ConnectError("no such greeting", Code.NotFound);
            return { message: "hi" };
          },
        }),
    }),
  );
  // Answers nothing; its second call is the one to cancel.
  const silent = await h2Server((s) => {
    if (hung.push(s) === 2) secondArrived();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const status = await failedCall(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    assert.equal(ConnectError.from(status).code, Code.NotFound);
    assert.equal(classifyFailure(status), "none");

    const startedAt = performance.now();
    const deadline = await failedCall(silent.url, { timeoutMs: 50 });
    assert.equal(ConnectError.from(deadline).code, Code.DeadlineExceeded);
    assert.equal(classifyFailure(deadline), "none");
    assert.equal(deadlineSpent(deadline, startedAt, 50), true, "the endpoint let the deadline pass");

    const ac = new AbortController();
    const cancelled = failedCall(silent.url, { signal: ac.signal });
    await Promise.race([arrived, cancelled]); // the call reached the server (or failed otherwise, and the asserts say so)
    ac.abort();
    const err = await cancelled;
    assert.equal(ConnectError.from(err).code, Code.Canceled);
    assert.equal(classifyFailure(err), "none");
  } finally {
    await silent.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test("real: a balanced transport sends a refused call to another endpoint, even for a method that is not idempotent", async () => {
  const refusing = await h2Server((s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM));
  const server = http2.createServer(
    connectNodeAdapter({ routes: (r) => r.service(GreeterService, { sayHello: (req) => ({ message: req.name }) }) }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const serving = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const transport = createBalancedTransport({
    target: [new URL(refusing.url).host, serving],
    createTransport(baseUrl) {
      const sessionManager = new Http2SessionManager(baseUrl);
      return { ...createGrpcTransport({ baseUrl, sessionManager }), close: () => sessionManager.abort() };
    },
  });
  try {
    const client = createClient(GreeterService, transport);
    // Round robin starts on either endpoint; two calls are sure to meet the refusing one.
    for (const name of ["a", "b"]) assert.equal((await client.sayHello({ name })).message, name);
    const refused = transport.balancer.endpoints().find((e) => e.address === new URL(refusing.url).host);
    assert.ok((refused?.failures ?? 0) >= 1, "the refusal counted against the refusing endpoint");
  } finally {
    await transport.close();
    await refusing.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

/** An HTTP/2 server that reads every call and then closes its TCP connection (no GOAWAY, no RST_STREAM). */
async function droppingServer(): Promise<{
  url: string;
  address: string;
  calls: () => number;
  close(): Promise<void>;
}> {
  const server = http2.createServer();
  const sockets = new Set<net.Socket>();
  let calls = 0;
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("session", (s) => s.on("error", () => {}));
  server.on("stream", (s) => {
    s.on("error", () => {});
    calls++;
    // Once the whole request is read, so that nothing unread turns the close into a TCP reset
    // (ECONNRESET, a failure connect-node does report with its cause).
    s.resume();
    s.on("end", () => {
      for (const socket of sockets) socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url: `http://${address}`,
    address,
    calls: () => calls,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function balancedOver(address: string) {
  return createBalancedTransport({
    target: [address],
    createTransport(baseUrl) {
      const sessionManager = new Http2SessionManager(baseUrl);
      return { ...createGrpcTransport({ baseUrl, sessionManager }), close: () => sessionManager.abort() };
    },
    ejectBackoff: { initialMs: 600_000, maxMs: 600_000, jitter: 0 },
  });
}

test("real: a connection lost mid-call is CANCELED with no cause, as a peer's RST_STREAM CANCEL; given the caller's signal it is sent and UNAVAILABLE", async () => {
  const dropping = await droppingServer();
  const cancelling = await h2Server((s) => s.close(http2.constants.NGHTTP2_CANCEL));
  try {
    for (const [what, url] of [
      ["lost connection", dropping.url],
      ["RST_STREAM CANCEL", cancelling.url],
    ] as const) {
      const err = await failedCall(url);
      assert.ok(err instanceof ConnectError, `${what}: ${String(err)}`);
      // What connect-node hands over: nothing in it says the connection went away.
      assert.equal(err.code, Code.Canceled, `${what}: ${String(err)}`);
      assert.equal(err.cause, undefined, what);
      assert.equal(classifyFailure(err), "none", `${what}: without the call it reads as a cancel`);
      assert.equal(classifyFailure(err, { signal: undefined }), "sent", what);
      assert.equal(classifyFailure(err, { signal: new AbortController().signal }), "sent", what);
      assert.equal(closedByPeer(err, { signal: undefined }), true, what);
      const out = toConnectError(err, { signal: undefined });
      assert.ok(out instanceof ConnectError, what);
      assert.equal(out.code, Code.Unavailable, `${what}: ${String(out)}`);
      assert.equal(out.cause, err, what);
      assert.equal(toConnectError(err), err, `${what}: without the call it is passed on`);
      // The same error under a caller whose signal was aborted is that caller's cancel.
      const aborted = AbortSignal.abort(err);
      assert.equal(classifyFailure(err, { signal: aborted }), "none", what);
      assert.equal(toConnectError(err, { signal: aborted }), err, what);
    }
    assert.equal(dropping.calls(), 1, "the call reached the server before its connection was closed");
  } finally {
    await dropping.close();
    await cancelling.close();
  }
});

test("real: through the balanced transport a lost connection counts against its endpoint and is UNAVAILABLE, unary or stream; a caller's cancel counts for nothing", async () => {
  const dropping = await droppingServer();
  const lost = balancedOver(dropping.address);
  const lostStream = balancedOver(dropping.address);
  let reached!: () => void;
  const arrived = new Promise<void>((r) => (reached = r));
  const silent = await h2Server(() => reached());
  const silentAddress = new URL(silent.url).host;
  const cancelled = balancedOver(silentAddress);
  try {
    await assert.rejects(createClient(GreeterService, lost).sayHello({ name: "x" }), (e: unknown) => {
      const err = ConnectError.from(e);
      assert.equal(err.code, Code.Unavailable, String(err));
      assert.match(err.rawMessage, /connection was lost or the server cancelled the stream mid-call/);
      return true;
    });
    // SayHello is not idempotent: the call is not sent again.
    assert.equal(dropping.calls(), 1);
    const endpoint = lost.balancer.endpoints()[0];
    assert.equal(endpoint.failures, 1, "the lost connection counted against the endpoint");
    assert.equal(endpoint.ejected, true);
    // A stream too, through a transport of its own (while ejected, an endpoint's failures are not counted again).
    await assert.rejects(
      (async () => {
        for await (const _ of createClient(GreeterService, lostStream).sayHelloStream({ name: "x" }));
      })(),
      (e: unknown) => ConnectError.from(e).code === Code.Unavailable,
    );
    assert.equal(dropping.calls(), 2);
    assert.equal(lostStream.balancer.endpoints()[0].failures, 1, "the stream's lost connection counted too");

    const ac = new AbortController();
    const call = createClient(GreeterService, cancelled)
      .sayHello({ name: "x" }, { signal: ac.signal })
      .then(
        () => assert.fail("the silent server answered"),
        (e: unknown) => ConnectError.from(e),
      );
    await Promise.race([arrived, call]); // the call reached the server (or failed otherwise, and the asserts say so)
    ac.abort();
    const err = await call;
    assert.equal(err.code, Code.Canceled, String(err));
    const state = cancelled.balancer.endpoints()[0];
    assert.equal(state.failures, 0, "the caller's cancel did not count against the endpoint");
    assert.equal(state.ejected, false);
  } finally {
    await Promise.all([lost.close(), lostStream.close(), cancelled.close()]);
    await dropping.close();
    await silent.close();
  }
});

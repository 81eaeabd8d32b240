// The default interceptors of createServer and the client's: errors, logging,
// trace propagation, auth, deadlines, the mesh `service` header and retries.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { defineService, identityKey, traceKey } from "@acme/platform/server";
import { createClient, isRetryable } from "@acme/platform/client/node";
import { GreeterService, SayHelloResponseSchema, SayHelloStreamResponseSchema } from "@acme/greeter/v1";
import { startServer } from "@acme/test-support/platform-server";

const SAY_HELLO = "/acme.greeter.v1.GreeterService/SayHello";

function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("error interceptor", () => {
  test("a thrown Error returns INTERNAL with a safe message; the details are logged, not sent", async () => {
    const s = await startServer({
      services: [
        defineService(GreeterService, {
          sayHello() {
            throw new Error("db password is hunter2");
          },
          async *sayHelloStream() {
            yield create(SayHelloStreamResponseSchema, { message: "first", index: 1 });
            throw new TypeError("cannot read secretField of undefined");
          },
        }),
      ],
    });
    try {
      const res = await postJson(s.url + SAY_HELLO, { name: "x" });
      const text = await res.text();
      const body = JSON.parse(text);
      assert.equal(body.code, "internal");
      assert.match(body.message, /^internal error \(request id [\w-]+\)$/);
      assert.doesNotMatch(text, /hunter2|at .*\.ts:\d+|Error:/);
      const logged = s.logger.lines.find((l) => l.msg === "unhandled error in rpc");
      assert.ok(logged, "the error is logged");
      const err = logged.fields.error as { message: string; stack: string };
      assert.equal(err.message, "db password is hunter2");
      assert.match(err.stack, /interceptors\.test\.ts/);
      assert.equal(body.message, `internal error (request id ${logged.fields.requestId})`);

      // Over gRPC, and mid-stream.
      const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
      await assert.rejects(
        client.sayHello({}),
        (e: ConnectError) => e.code === Code.Internal && !/hunter2/.test(e.message),
      );
      const got: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const m of client.sayHelloStream({})) got.push(m.message);
        })(),
        (e: ConnectError) =>
          e.code === Code.Internal &&
          !/secretField/.test(e.message) &&
          e.metadata.get("grpc-status-details-bin") === null,
      );
      assert.deepEqual(got, ["first"]);
    } finally {
      await s.close();
    }
  });

  test("a ConnectError passes unchanged", async () => {
    const s = await startServer({
      services: [
        defineService(GreeterService, {
          sayHello() {
            throw new ConnectError("name is required", Code.InvalidArgument);
          },
        }),
      ],
    });
    try {
      const client = createClient(GreeterService, { baseUrl: s.url });
      await assert.rejects(
        client.sayHello({}),
        (e: ConnectError) => e.code === Code.InvalidArgument && e.rawMessage === "name is required",
      );
    } finally {
      await s.close();
    }
  });
});

test("logging interceptor: one line per call with method, code and duration", async () => {
  const s = await startServer({ auth: { verify: () => undefined, public: [] } });
  try {
    const client = createClient(GreeterService, { baseUrl: s.url, retries: false });
    await assert.rejects(client.sayHello({ name: "x" }), (e: ConnectError) => e.code === Code.Unauthenticated);
    const authed = createClient(GreeterService, {
      baseUrl: s.url,
      protocol: "grpc",
      retries: false,
      headers: { authorization: "Bearer x" },
    });
    await assert.rejects(authed.sayHello({}), (e: ConnectError) => e.code === Code.Unauthenticated);
    const rpcLines = s.logger.lines.filter((l) => l.msg === "rpc");
    assert.equal(rpcLines.length, 2);
    for (const l of rpcLines) {
      assert.equal(l.fields.method, SAY_HELLO);
      assert.equal(l.fields.code, "unauthenticated");
      assert.equal(typeof l.fields.durationMs, "number");
      assert.match(String(l.fields.requestId), /^[0-9a-f-]{36}$/);
      assert.match(String(l.fields.traceId), /^[0-9a-f]{32}$/);
    }
  } finally {
    await s.close();
  }
  const ok = await startServer();
  try {
    const client = createClient(GreeterService, { baseUrl: ok.url });
    await client.sayHello({ name: "x" });
    const got: number[] = [];
    for await (const m of client.sayHelloStream({ count: 2 })) got.push(m.index);
    const lines = ok.logger.lines.filter((l) => l.msg === "rpc");
    assert.deepEqual(
      lines.map((l) => [l.level, l.fields.method, l.fields.code]),
      [
        ["info", SAY_HELLO, "ok"],
        ["info", "/acme.greeter.v1.GreeterService/SayHelloStream", "ok"],
      ],
    );
  } finally {
    await ok.close();
  }
});

test("trace interceptor: traceparent and the request id reach a downstream call", async () => {
  const seen: { traceparent: string | null; requestId: string | null }[] = [];
  const downstream = await startServer({
    services: [
      defineService(GreeterService, {
        sayHello(_req, ctx) {
          seen.push({
            traceparent: ctx.requestHeader.get("traceparent"),
            requestId: ctx.requestHeader.get("x-request-id"),
          });
          return create(SayHelloResponseSchema, { message: "from downstream" });
        },
      }),
    ],
  });
  let upstreamSpan = "";
  const upstream = await startServer({
    services: [
      defineService(GreeterService, {
        async sayHello(_req, ctx) {
          upstreamSpan = ctx.values.get(traceKey)!.spanId;
          const next = createClient(GreeterService, { baseUrl: downstream.url, protocol: "grpc" });
          await new Promise((r) => setTimeout(r, 5)); // the trace survives an await
          return next.sayHello({ name: "hop" });
        },
      }),
    ],
  });
  try {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await postJson(
      upstream.url + SAY_HELLO,
      { name: "x" },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-request-id": "req-42" },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-request-id"), "req-42");
    assert.deepEqual(await res.json(), { message: "from downstream" });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].traceparent, `00-${traceId}-${upstreamSpan}-01`);
    assert.notEqual(upstreamSpan, "00f067aa0ba902b7");
    assert.equal(seen[0].requestId, "req-42");

    // Without a traceparent a new trace starts, and still flows downstream.
    await postJson(upstream.url + SAY_HELLO, { name: "y" });
    assert.match(seen[1].traceparent!, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.notEqual(seen[1].traceparent!.slice(3, 35), traceId);
  } finally {
    await upstream.close();
    await downstream.close();
  }
});

describe("auth interceptor", () => {
  const verify = (token: string) => {
    if (token === "boom") throw new Error("verifier exploded");
    return token === "good-token" ? { subject: "user-7" } : undefined;
  };
  const services = [
    defineService(GreeterService, {
      sayHello(_req, ctx) {
        return create(SayHelloResponseSchema, { message: JSON.stringify(ctx.values.get(identityKey)) });
      },
    }),
  ];

  test("a missing or invalid token → UNAUTHENTICATED; a valid one puts the identity in the context", async () => {
    const s = await startServer({ services, auth: { verify } });
    try {
      const call = (headers?: Record<string, string>) =>
        createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", headers, retries: false }).sayHello({});
      await assert.rejects(
        call(),
        (e: ConnectError) => e.code === Code.Unauthenticated && e.rawMessage === "missing bearer token",
      );
      await assert.rejects(call({ authorization: "Basic dTpw" }), (e: ConnectError) => e.code === Code.Unauthenticated);
      await assert.rejects(
        call({ authorization: "Bearer wrong" }),
        (e: ConnectError) => e.code === Code.Unauthenticated && e.rawMessage === "invalid token",
      );
      await assert.rejects(
        call({ authorization: "Bearer boom" }),
        (e: ConnectError) => e.code === Code.Unauthenticated,
      );
      assert.ok(s.logger.lines.some((l) => l.msg === "token rejected" && l.fields.reason === "verifier exploded"));
      assert.deepEqual(JSON.parse((await call({ authorization: "Bearer good-token" })).message), { subject: "user-7" });
      // Health checking needs no token.
      const res = await postJson(`${s.url}/grpc.health.v1.Health/Check`, { service: "" });
      assert.deepEqual(await res.json(), { status: "SERVING" });
    } finally {
      await s.close();
    }
  });

  test("public procedures skip the token", async () => {
    const s = await startServer({ services, auth: { verify, public: [SAY_HELLO] } });
    try {
      const res = await createClient(GreeterService, { baseUrl: s.url }).sayHello({});
      assert.equal(res.message, "");
    } finally {
      await s.close();
    }
  });
});

describe("deadline interceptor", () => {
  // A handler that ignores its signal: only the interceptor can end the call in time.
  function stubborn() {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const services = [
      defineService(GreeterService, {
        async sayHello() {
          await released;
          return create(SayHelloResponseSchema, { message: "too late" });
        },
      }),
    ];
    return { services, release };
  }

  test("the client's deadline is enforced by the server even when the handler ignores it", async () => {
    const h = stubborn();
    const s = await startServer({ services: h.services });
    try {
      // A raw request: no client-side timer, so the answer can only come from the server.
      const res = await postJson(s.url + SAY_HELLO, {}, { "connect-timeout-ms": "150" });
      assert.equal((await res.json()).code, "deadline_exceeded");
      const line = s.logger.lines.find((l) => l.msg === "rpc");
      assert.equal(line?.fields.code, "deadline_exceeded");
    } finally {
      h.release();
      await s.close();
    }
  });

  test("a unary call without a deadline gets the server's default", async () => {
    const h = stubborn();
    const s = await startServer({ services: h.services, defaultTimeoutMs: 150 });
    try {
      const res = await postJson(s.url + SAY_HELLO, {});
      const body = await res.json();
      assert.equal(body.code, "deadline_exceeded");
      assert.equal(body.message, "deadline of 150 ms exceeded");
    } finally {
      h.release();
      await s.close();
    }
  });

  test("the client sends its default deadline; exceeding it → DEADLINE_EXCEEDED", async () => {
    const h = stubborn();
    let grpcTimeout: string | null = null;
    const s = await startServer({
      services: h.services,
      interceptors: [
        (next) => (req) => {
          grpcTimeout = req.header.get("grpc-timeout");
          return next(req);
        },
      ],
    });
    try {
      // The handler never answers, so only the client's 200 ms deadline ends the call.
      const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", timeoutMs: 200 });
      await assert.rejects(client.sayHello({}), (e: ConnectError) => e.code === Code.DeadlineExceeded);
      // What is sent, seen with a default no slow machine outlasts on the way to the server.
      h.release();
      const patient = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", timeoutMs: 600_000 });
      assert.equal((await patient.sayHello({})).message, "too late");
      const sent = /^(\d+)m$/.exec(String(grpcTimeout));
      assert.ok(sent && Number(sent[1]) > 0 && Number(sent[1]) <= 600_000, `grpc-timeout ${grpcTimeout}`);
    } finally {
      h.release();
      await s.close();
    }
  });
});

describe("client", () => {
  test("meshService is sent as the `service` header, with every protocol", async () => {
    const seen: (string | null)[] = [];
    const s = await startServer({
      services: [
        defineService(GreeterService, {
          sayHello(_req, ctx) {
            seen.push(ctx.requestHeader.get("service"));
            return create(SayHelloResponseSchema, {});
          },
        }),
      ],
    });
    try {
      for (const protocol of ["grpc", "grpc-web", "connect"] as const) {
        await createClient(GreeterService, { baseUrl: s.url, protocol, meshService: "payments-canary" }).sayHello({});
      }
      await createClient(GreeterService, { baseUrl: s.url }).sayHello({});
      assert.deepEqual(seen, ["payments-canary", "payments-canary", "payments-canary", null]);
    } finally {
      await s.close();
    }
  });

  test("UNAVAILABLE is retried with backoff; other errors of a non-idempotent method are not", async () => {
    let calls = 0;
    let failWith = Code.Unavailable;
    let failures = 2;
    const s = await startServer({
      services: [
        defineService(GreeterService, {
          sayHello() {
            calls++;
            if (failures-- > 0) throw new ConnectError("try again", failWith);
            return create(SayHelloResponseSchema, { message: `after ${calls} calls` });
          },
        }),
      ],
    });
    try {
      const client = createClient(GreeterService, {
        baseUrl: s.url,
        protocol: "grpc",
        retries: { retries: 3, initialBackoffMs: 10 },
      });
      assert.equal((await client.sayHello({})).message, "after 3 calls");

      calls = 0;
      failures = 5;
      await assert.rejects(client.sayHello({}), (e: ConnectError) => e.code === Code.Unavailable);
      assert.equal(calls, 4, "the first attempt and 3 retries");

      calls = 0;
      failures = 1;
      failWith = Code.Aborted;
      await assert.rejects(client.sayHello({}), (e: ConnectError) => e.code === Code.Aborted);
      assert.equal(calls, 1, "SayHello is not idempotent: ABORTED is final");

      calls = 0;
      failures = 1;
      failWith = Code.Unavailable;
      await assert.rejects(
        createClient(GreeterService, { baseUrl: s.url, retries: false }).sayHello({}),
        (e: ConnectError) => e.code === Code.Unavailable,
      );
      assert.equal(calls, 1);
    } finally {
      await s.close();
    }
  });

  test("the default deadline covers unary calls; streams get none unless streamTimeoutMs says so", async () => {
    const timeouts: Record<string, string | null> = {};
    const s = await startServer({
      interceptors: [
        (next) => (req) => {
          timeouts[`${req.method.name}#${Object.keys(timeouts).length}`] = req.header.get("grpc-timeout");
          return next(req);
        },
      ],
    });
    try {
      const plain = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc" });
      await plain.sayHello({});
      for await (const _ of plain.sayHelloStream({ count: 1 }));
      const streamy = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", streamTimeoutMs: 60_000 });
      for await (const _ of streamy.sayHelloStream({ count: 1 }));
      await plain.sayHello({}, { timeoutMs: 0 });
      const [unary, stream, streamWithDefault, unaryWithout] = Object.values(timeouts);
      assert.match(String(unary), /^\d+m$/);
      assert.equal(stream, null);
      assert.match(String(streamWithDefault), /^\d+m$/);
      assert.equal(unaryWithout, null, "a call's own timeoutMs: 0 wins");
    } finally {
      await s.close();
    }
  });

  test("idempotent methods are also retried on ABORTED and RESOURCE_EXHAUSTED", () => {
    const method = (idempotency: MethodOptions_IdempotencyLevel) =>
      ({ idempotency }) as Parameters<typeof isRetryable>[0];
    for (const level of [MethodOptions_IdempotencyLevel.IDEMPOTENT, MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS]) {
      assert.equal(isRetryable(method(level), Code.Aborted), true);
      assert.equal(isRetryable(method(level), Code.ResourceExhausted), true);
      assert.equal(isRetryable(method(level), Code.InvalidArgument), false);
    }
    assert.equal(isRetryable(method(MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN), Code.Aborted), false);
    assert.equal(isRetryable(method(MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN), Code.Unavailable), true);
  });

  test("bad options get a clear error", () => {
    assert.throws(() => createClient(GreeterService, {}), /give baseUrl or a non-empty endpoints list/);
    assert.throws(
      () => createClient(GreeterService, { baseUrl: "localhost:80" }),
      /"localhost:80" is not an http\(s\) URL/,
    );
    assert.throws(
      () => createClient(GreeterService, { baseUrl: "http://a", protocol: "soap" as never }),
      /protocol must be/,
    );
    assert.throws(
      () => createClient(GreeterService, { baseUrl: "http://a", endpoints: ["http://b"] }),
      /baseUrl or endpoints, not both/,
    );
  });
});

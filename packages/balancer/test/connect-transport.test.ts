// The balanced Connect transport against real Connect servers on loopback.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { GreeterService } from "@acme/greeter/v1";
import { createBalancedTransport } from "../src/index.js";

async function greeter(name: string) {
  const server = http2.createServer(
    connectNodeAdapter({
      routes: (r) =>
        r.service(GreeterService, {
          sayHello: (req) => ({ message: `${name}: hello ${req.name}` }),
          async *sayHelloStream(req) {
            for (let i = 1; i <= 2; i++) yield { message: `${name}: ${req.name}`, index: i };
          },
        }),
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    server,
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A port nothing listens on. */
async function deadAddress(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `127.0.0.1:${port}`;
}

test("spreads unary and streaming calls over the endpoints; skips a dead one without failing a call", async () => {
  const a = await greeter("a");
  const b = await greeter("b");
  const dead = await deadAddress();
  const managers: Http2SessionManager[] = [];
  const transport = createBalancedTransport({
    target: [a.address, dead, b.address],
    createTransport(baseUrl) {
      const sessionManager = new Http2SessionManager(baseUrl);
      managers.push(sessionManager);
      return { ...createGrpcTransport({ baseUrl, sessionManager }), close: () => sessionManager.abort() };
    },
  });
  const client = createClient(GreeterService, transport);
  try {
    const by = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const r = await client.sayHello({ name: "x" });
      const who = r.message.split(":")[0];
      by.set(who, (by.get(who) ?? 0) + 1);
    }
    assert.equal((by.get("a") ?? 0) + (by.get("b") ?? 0), 40, "every call succeeded");
    assert.ok((by.get("a") ?? 0) >= 12 && (by.get("b") ?? 0) >= 12, `both live endpoints served (${[...by]})`);
    assert.equal(transport.balancer.endpoints().find((e) => e.address === dead)?.ejected, true);
    const msgs: string[] = [];
    for await (const m of client.sayHelloStream({ name: "s" })) msgs.push(m.message);
    assert.equal(msgs.length, 2);
    assert.ok(
      transport.balancer.endpoints().every((e) => e.outstanding === 0),
      "the stream released its endpoint",
    );
  } finally {
    await transport.close();
    await a.close();
    await b.close();
  }
  assert.equal(managers.length, 3);
});

test("no endpoint at all → Unavailable", async () => {
  const dead = await deadAddress();
  const transport = createBalancedTransport({
    target: [dead],
    createTransport: (baseUrl) => createGrpcTransport({ baseUrl }),
  });
  const client = createClient(GreeterService, transport);
  await assert.rejects(client.sayHello({ name: "x" }), /\[unavailable\]/);
  await transport.close();
});

test("every unary call runs with a deadline the balancer knows: the transport's default, or the call's own (0 = none)", async () => {
  const sent: (string | null)[] = [];
  const server = http2.createServer(
    connectNodeAdapter({
      interceptors: [
        (next) => (req) => {
          sent.push(req.header.get("grpc-timeout"));
          return next(req);
        },
      ],
      routes: (r) =>
        r.service(GreeterService, {
          sayHello: (req) => ({ message: req.name }),
          async *sayHelloStream() {},
        }),
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const make = (timeoutMs?: number) =>
    createBalancedTransport({
      target: [address],
      timeoutMs,
      createTransport(baseUrl) {
        const sessionManager = new Http2SessionManager(baseUrl);
        // An endpoint transport's own default deadline gives way to the balanced transport's.
        return {
          ...createGrpcTransport({ baseUrl, sessionManager, defaultTimeoutMs: 600_000 }),
          close: () => sessionManager.abort(),
        };
      },
    });
  const byDefault = make();
  const short = make(1_500);
  const none = make(0);
  /** The deadline the server was sent, in ms (grpc-timeout "<n>m"), or null for none. */
  const deadlineOf = (h: string | null | undefined) => {
    if (h === null || h === undefined) return null;
    const m = /^(\d+)m$/.exec(h);
    assert.ok(m, `grpc-timeout ${h}`);
    return Number(m[1]);
  };
  try {
    await createClient(GreeterService, byDefault).sayHello({ name: "a" });
    const d = deadlineOf(sent.at(-1));
    assert.ok(d !== null && d > 1_500 && d <= 30_000, `default deadline ${d} ms: 30 s, not the endpoint's 600 s`);

    await createClient(GreeterService, short).sayHello({ name: "b" });
    const s = deadlineOf(sent.at(-1));
    assert.ok(s !== null && s <= 1_500, `the transport's timeoutMs: ${s} ms`);

    await createClient(GreeterService, short).sayHello({ name: "c" }, { timeoutMs: 20_000 });
    const own = deadlineOf(sent.at(-1));
    assert.ok(own !== null && own > 1_500 && own <= 20_000, `the call's own timeoutMs wins: ${own} ms`);

    await createClient(GreeterService, byDefault).sayHello({ name: "d" }, { timeoutMs: 0 });
    assert.equal(deadlineOf(sent.at(-1)), null, "a call's timeoutMs: 0 means none");

    // timeoutMs: 0 on the transport leaves the deadline to the endpoint's transport (its 600 s here).
    await createClient(GreeterService, none).sayHello({ name: "e" });
    const endpointOwn = deadlineOf(sent.at(-1));
    assert.ok(endpointOwn !== null && endpointOwn > 30_000, `the endpoint's own default: ${endpointOwn} ms`);
    assert.equal(sent.length, 5);

    assert.throws(() => make(-1), /timeoutMs must be a number >= 0, got -1/);
    assert.throws(() => make(Number.NaN), /timeoutMs must be a number >= 0, got NaN/);
  } finally {
    await Promise.all([byDefault.close(), short.close(), none.close()]);
    await new Promise<void>((r) => server.close(() => r()));
  }
});

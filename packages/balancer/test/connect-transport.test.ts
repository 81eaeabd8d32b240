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

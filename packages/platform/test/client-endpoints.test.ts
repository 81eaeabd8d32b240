// createClient with several endpoints (Node): calls are spread by
// @acme/balancer, and keep working when one server goes away.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Interceptor } from "@connectrpc/connect";
import { GreeterService } from "@acme/greeter/v1";
import { createClient, createPlatformTransport } from "@acme/platform/client/node";
import { createClient as createBrowserClient } from "@acme/platform/client";
import { startServer } from "@acme/test-support/platform-server";

const served = (s: Awaited<ReturnType<typeof startServer>>) =>
  s.logger.lines.filter((l) => l.msg === "rpc" && l.fields.code === "ok").length;

for (const protocol of ["grpc", "connect"] as const) {
  test(`endpoints (${protocol}): round robin over both servers, then the survivor takes every call`, async () => {
    const a = await startServer();
    const b = await startServer();
    const transport = createPlatformTransport({ endpoints: [a.url, b.url], protocol, meshService: "greeter" });
    try {
      const client = createClient(GreeterService, { endpoints: [a.url, b.url], protocol });
      for (let i = 0; i < 6; i++) assert.equal((await client.sayHello({ name: `n${i}` })).message, `Hello, n${i}!`);
      assert.equal(served(a), 3);
      assert.equal(served(b), 3);

      await a.close();
      const before = served(b);
      const { createClient: connectClient } = await import("@connectrpc/connect");
      const viaTransport = connectClient(GreeterService, transport);
      for (let i = 0; i < 4; i++)
        assert.equal((await viaTransport.sayHello({ name: "after" })).message, "Hello, after!");
      assert.equal(served(b), before + 4);
    } finally {
      await transport.close?.();
      await a.close();
      await b.close();
    }
  });
}

test("endpoints: the client's deadlines reach the servers as they are: its timeoutMs, none for 0, none for streams", async () => {
  const sent: (string | null)[] = [];
  const recordDeadline: Interceptor = (next) => (req) => {
    sent.push(req.header.get("grpc-timeout"));
    return next(req);
  };
  const a = await startServer({ interceptors: [recordDeadline] });
  const b = await startServer({ interceptors: [recordDeadline] });
  const endpoints = [a.url, b.url];
  try {
    await createClient(GreeterService, { endpoints, protocol: "grpc", timeoutMs: 4_000 }).sayHello({ name: "a" });
    const [ms] = /^(\d+)m$/.exec(String(sent.at(-1)))?.slice(1) ?? [];
    assert.ok(Number(ms) > 0 && Number(ms) <= 4_000, `grpc-timeout ${sent.at(-1)}`);
    await createClient(GreeterService, { endpoints, protocol: "grpc", timeoutMs: 0 }).sayHello({ name: "b" });
    assert.equal(sent.at(-1), null, "timeoutMs: 0 is no deadline, not the balancer's default");
    for await (const _ of createClient(GreeterService, { endpoints, protocol: "grpc" }).sayHelloStream({ count: 1 }));
    assert.equal(sent.at(-1), null, "streams get none");
    assert.equal(sent.length, 3);
  } finally {
    await a.close();
    await b.close();
  }
});

test("endpoints must share scheme and path; browsers get a clear error", () => {
  assert.throws(
    () => createClient(GreeterService, { endpoints: ["http://a:1", "https://b:2"] }),
    /endpoints must share scheme and path/,
  );
  assert.throws(
    () => createBrowserClient(GreeterService, { endpoints: ["http://a:1", "http://b:2"] }),
    /only @acme\/platform\/client\/node has/,
  );
});

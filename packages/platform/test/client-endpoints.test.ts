// createClient with several endpoints (Node): calls are spread by
// @acme/balancer, and keep working when one server goes away.
import assert from "node:assert/strict";
import { test } from "node:test";
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

// Graceful shutdown: in-flight calls finish, new ones are refused, Watch
// streams (health and monitoring) end cleanly, and a call that outlives the
// drain timeout is cut.
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { defineService } from "@acme/platform/server";
import { createClient } from "@acme/platform/client/node";
import { GreeterService, SayHelloResponseSchema } from "@acme/greeter/v1";
import { MonitoringService, Status } from "@acme/monitoring";
import { Health, ServingStatus } from "@acme/grpc-health";
import { grpcJsHealthClient, startServer, streamReader } from "@acme/test-support/platform-server";

function gatedGreeter() {
  let entered!: () => void;
  const started = new Promise<void>((r) => (entered = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const services = [
    defineService(GreeterService, {
      async sayHello(req) {
        entered();
        await released;
        return create(SayHelloResponseSchema, { message: `finished ${req.name}` });
      },
    }),
  ];
  return { services, started, release };
}

test("in-flight calls finish while new ones are refused; Watch streams end with OK", async () => {
  const g = gatedGreeter();
  const s = await startServer({ services: g.services });
  const healthClient = grpcJsHealthClient(s.port);
  try {
    const grpcClient = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
    const h1Client = createClient(GreeterService, { baseUrl: s.url, protocol: "connect", retries: false });
    const monitorClient = createClient(MonitoringService, { baseUrl: s.url, protocol: "grpc" });

    const watch = streamReader(healthClient.watch({ service: "" }));
    assert.equal((await watch.next()).status, "SERVING");
    const monitorStream = monitorClient.watchStatus({})[Symbol.asyncIterator]();
    assert.equal((await monitorStream.next()).value?.status?.status, Status.UP);

    const inFlightH2 = grpcClient.sayHello({ name: "h2" });
    const inFlightH1 = h1Client.sayHello({ name: "h1" });
    await g.started;
    while (s.server.inFlight < 4) await new Promise((r) => setTimeout(r, 5)); // 2 calls + 2 watches

    const shutdown = s.server.shutdown({ timeoutMs: 600_000 }); // the drain ends when the calls do, not on a clock
    // The Watch streams hear NOT_SERVING, then end cleanly.
    assert.equal((await watch.next()).status, "NOT_SERVING");
    await watch.ended;
    assert.equal(watch.status?.code, grpc.status.OK);
    assert.equal((await monitorStream.next()).done, true);

    // New calls are refused, on a new connection and on the open ones.
    const fresh = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
    await assert.rejects(fresh.sayHello({ name: "new" }), (e: ConnectError) => e.code === Code.Unavailable);
    await assert.rejects(grpcClient.sayHello({ name: "new on h2" }), (e: ConnectError) => e.code === Code.Unavailable);
    await assert.rejects(h1Client.sayHello({ name: "new on h1" }), (e: ConnectError) => e.code === Code.Unavailable);

    // The calls in flight still finish.
    g.release();
    assert.equal((await inFlightH2).message, "finished h2");
    assert.equal((await inFlightH1).message, "finished h1");
    await shutdown;
    assert.equal(s.server.inFlight, 0);
    assert.ok(s.logger.lines.some((l) => l.msg === "shut down" && l.fields.drained === true));
  } finally {
    g.release();
    healthClient.close();
    await s.close();
  }
});

test("a call that outlives the drain timeout is cut", async () => {
  const g = gatedGreeter();
  const s = await startServer({ services: g.services });
  try {
    const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
    const stuck = client.sayHello({ name: "stuck" });
    await g.started;
    await s.server.shutdown({ timeoutMs: 100 });
    await assert.rejects(stuck, (e: unknown) => e instanceof ConnectError);
    assert.ok(s.logger.lines.some((l) => l.msg === "shutdown timed out; cutting in-flight calls"));
  } finally {
    g.release();
  }
});

test("notServingDelayMs: health answers NOT_SERVING while calls are still served, then the drain starts", async () => {
  const s = await startServer();
  try {
    const health = createClient(Health, { baseUrl: s.url, protocol: "grpc", retries: false });
    const greeter = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
    // Open connections first, and both calls sent at once: the window is then one round trip on
    // loopback, and the delay is 2 s so that a loaded machine fits in it many times over.
    assert.equal((await health.check({ service: "" })).status, ServingStatus.SERVING);
    assert.equal((await greeter.sayHello({ name: "before" })).message, "Hello, before!");
    const shutdown = s.server.shutdown({ timeoutMs: 600_000, notServingDelayMs: 2000 });
    const [during, still] = await Promise.all([health.check({ service: "" }), greeter.sayHello({ name: "still" })]);
    assert.equal(during.status, ServingStatus.NOT_SERVING);
    assert.equal(still.message, "Hello, still!");
    await shutdown;
    await assert.rejects(greeter.sayHello({ name: "late" }), (e: ConnectError) => e.code === Code.Unavailable);
  } finally {
    await s.close();
  }
});

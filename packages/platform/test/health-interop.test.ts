// grpc.health.v1 as the spec gives it, seen by grpc-node's official health
// client (grpc-health-check) and by a plain @grpc/grpc-js client.
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, ServingStatus, waitForServing } from "@acme/grpc-health";
import {
  grpcJsHealthClient,
  type HealthClient,
  type HealthStatus,
  type HealthStatuses,
  officialHealthClient,
  startServer,
  streamReader,
  type Started,
  unary,
} from "@acme/test-support/platform-server";

for (const flavour of ["grpc-health-check", "grpc-js"] as const) {
  describe(`health over gRPC, ${flavour} client`, () => {
    let s: Started;
    let client: HealthClient;
    before(async () => {
      s = await startServer();
      client = flavour === "grpc-js" ? grpcJsHealthClient(s.port) : await officialHealthClient(s.port);
    });
    after(async () => {
      client.close();
      await s.close();
    });

    test("Check: the whole server and the registered services are SERVING", async () => {
      assert.deepEqual(await unary(client, "check", { service: "" }), { status: "SERVING" });
      assert.equal(
        (await unary<HealthStatus>(client, "check", { service: "acme.greeter.v1.GreeterService" })).status,
        "SERVING",
      );
    });

    test("Check: an unknown service gets NOT_FOUND", async () => {
      await assert.rejects(
        unary(client, "check", { service: "no.such.Service" }),
        (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND,
      );
    });

    test("Watch: SERVICE_UNKNOWN, then the real status, then every change; no repeats", async () => {
      const name = `watched.${flavour}`;
      const call = client.watch({ service: name });
      const r = streamReader(call);
      assert.equal((await r.next()).status, "SERVICE_UNKNOWN");
      s.server.health.setStatus(name, ServingStatus.NOT_SERVING);
      assert.equal((await r.next()).status, "NOT_SERVING");
      s.server.health.setStatus(name, ServingStatus.NOT_SERVING); // a repeat: nothing sent
      s.server.health.setStatus(name, ServingStatus.SERVING);
      assert.equal((await r.next()).status, "SERVING");
      s.server.health.setStatus(name, ServingStatus.NOT_SERVING);
      assert.equal((await r.next()).status, "NOT_SERVING");
      s.server.health.clearStatus(name);
      assert.equal((await r.next()).status, "SERVICE_UNKNOWN");
      assert.equal(r.pending(), 0);
      call.cancel();
      await r.ended;
    });

    test("List: every status; more than 100 services gets RESOURCE_EXHAUSTED", async () => {
      const listed = await unary<HealthStatuses>(client, "list", {});
      assert.equal(listed.statuses[""].status, "SERVING");
      assert.equal(listed.statuses["acme.greeter.v1.GreeterService"].status, "SERVING");
      const before = Object.keys(listed.statuses).length;
      const extra = Array.from({ length: 100 - before }, (_, i) => `bulk.${flavour}.${i}`);
      for (const n of extra) s.server.health.setStatus(n, ServingStatus.SERVING);
      assert.equal(
        Object.keys((await unary<HealthStatuses>(client, "list", {})).statuses).length,
        100,
        "exactly 100 is still listed",
      );
      s.server.health.setStatus(`bulk.${flavour}.one-too-many`, ServingStatus.SERVING);
      await assert.rejects(
        unary(client, "list", {}),
        (e: grpc.ServiceError) => e.code === grpc.status.RESOURCE_EXHAUSTED,
      );
      for (const n of [...extra, `bulk.${flavour}.one-too-many`]) s.server.health.clearStatus(n);
      assert.equal(Object.keys((await unary<HealthStatuses>(client, "list", {})).statuses).length, before);
    });

    test("shutdown(): Watch streams see NOT_SERVING and end with OK; resume() undoes it", async () => {
      // Its own server: shutdown is final.
      const own = await startServer();
      const c = flavour === "grpc-js" ? grpcJsHealthClient(own.port) : await officialHealthClient(own.port);
      try {
        const r = streamReader(c.watch({ service: "" }));
        assert.equal((await r.next()).status, "SERVING");
        own.server.health.shutdown();
        assert.equal((await r.next()).status, "NOT_SERVING");
        assert.equal(
          (await unary<HealthStatus>(c, "check", { service: "acme.greeter.v1.GreeterService" })).status,
          "NOT_SERVING",
        );
        own.server.health.resume();
        assert.equal((await r.next()).status, "SERVING");
        await own.server.shutdown({ timeoutMs: 2000 });
        assert.equal((await r.next()).status, "NOT_SERVING");
        await r.ended;
        assert.equal(r.status?.code, grpc.status.OK);
      } finally {
        c.close();
        await own.close();
      }
    });
  });
}

test("waitForServing resolves when the service turns SERVING and times out with DEADLINE_EXCEEDED otherwise", async () => {
  const s = await startServer();
  try {
    const client = createClient(Health, createGrpcTransport({ baseUrl: s.url }));
    s.server.health.setStatus("late.Service", ServingStatus.NOT_SERVING);
    // The service turns SERVING once the waiter has seen it NOT_SERVING (an event, not a delay),
    // with a timeout no slow machine reaches.
    const turnsServing: typeof client = {
      ...client,
      async *watch(req, options) {
        for await (const res of client.watch(req, options)) {
          yield res;
          if (res.status === ServingStatus.NOT_SERVING)
            s.server.health.setStatus("late.Service", ServingStatus.SERVING);
        }
      },
    };
    await waitForServing(turnsServing, "late.Service", { timeoutMs: 600_000 });
    // The timeout itself: the first Watch answer (SERVICE_UNKNOWN) normally comes within the 300 ms,
    // but a machine too slow for that has seen "no answer", which the message must then say.
    await assert.rejects(
      waitForServing(client, "never.Service", { timeoutMs: 300 }),
      /not SERVING within 300 ms \(last seen: (SERVICE_UNKNOWN|no answer)\)/,
    );
  } finally {
    await s.close();
  }
});

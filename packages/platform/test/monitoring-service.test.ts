// MonitoringService served by createServer: a hanging dependency is reported
// as timed out, and the aggregate drives the health of "".
import assert from "node:assert/strict";
import { test } from "node:test";
import { DependencyKind, DependencyMonitor, MonitoringService, Status } from "@acme/monitoring";
import { Health, ServingStatus } from "@acme/grpc-health";
import { createClient } from "@acme/platform/client/node";
import { startServer } from "@acme/test-support/platform-server";

test("GetStatus(refresh) reports a hanging dependency as timed out; the aggregate turns health NOT_SERVING; WatchStatus follows", async () => {
  let hang = false;
  const s = await startServer({ monitoring: { service: "orders", version: "1.2.3" } });
  try {
    s.server.monitoring.register({
      name: "orders-db",
      kind: DependencyKind.DATABASE,
      timeoutMs: 100,
      check: () => (hang ? new Promise(() => {}) : Promise.resolve()),
    });
    const monitoring = createClient(MonitoringService, { baseUrl: s.url, protocol: "grpc" });
    const health = createClient(Health, { baseUrl: s.url, protocol: "grpc" });

    const first = await monitoring.getStatus({ refresh: true });
    assert.equal(first.service, "orders");
    assert.equal(first.version, "1.2.3");
    assert.equal(first.status, Status.UP);
    assert.ok(first.startedAt);

    const watch = monitoring.watchStatus({})[Symbol.asyncIterator]();
    assert.equal((await watch.next()).value.status.status, Status.UP);

    hang = true;
    const res = await monitoring.getStatus({ refresh: true });
    const dep = res.dependencies[0];
    assert.deepEqual(
      {
        name: dep.name,
        kind: dep.kind,
        status: dep.status,
        timedOut: dep.timedOut,
        error: dep.error,
        critical: dep.critical,
      },
      {
        name: "orders-db",
        kind: DependencyKind.DATABASE,
        status: Status.DOWN,
        timedOut: true,
        error: "timed out after 100 ms",
        critical: true,
      },
    );
    assert.equal(res.status, Status.DOWN);
    assert.equal((await health.check({ service: "" })).status, ServingStatus.NOT_SERVING);
    assert.equal((await watch.next()).value.status.status, Status.DOWN);

    // Without refresh: the last results, no new run.
    assert.equal((await monitoring.getStatus({})).dependencies[0].timedOut, true);
    await watch.return?.();
  } finally {
    await s.close();
  }
});

test("a monitor passed in is served as it is, and can stay untied from health", async () => {
  const monitor = new DependencyMonitor({ service: "custom" });
  monitor.register({
    name: "broken",
    check: async () => {
      throw new Error("refused");
    },
  });
  const s = await startServer({ monitoring: monitor });
  try {
    const res = await createClient(MonitoringService, { baseUrl: s.url }).getStatus({ refresh: true });
    assert.equal(res.service, "custom");
    assert.equal(res.dependencies[0].error, "refused");
    // This monitor was built without a health sink: "" stays SERVING.
    assert.equal((await createClient(Health, { baseUrl: s.url }).check({ service: "" })).status, ServingStatus.SERVING);
  } finally {
    await s.close();
  }
});

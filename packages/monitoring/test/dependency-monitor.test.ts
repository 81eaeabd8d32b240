import assert from "node:assert/strict";
import { test } from "node:test";
import { HealthStatusRegistry, ServingStatus } from "@acme/grpc-health";
import { DependencyMonitor } from "../src/dependency-monitor.js";
import { DependencyKind, Status } from "../src/gen.js";

const never = () => new Promise<never>(() => {});

test("a check that hangs (ignoring its signal) is reported as timed out", async () => {
  const m = new DependencyMonitor({ service: "orders" });
  m.register({ name: "stuck-db", kind: DependencyKind.DATABASE, check: never, timeoutMs: 50 });
  const res = await m.checkAll();
  const [dep] = res.dependencies;
  assert.equal(dep.name, "stuck-db");
  assert.equal(dep.status, Status.DOWN);
  assert.equal(dep.timedOut, true);
  assert.equal(dep.error, "timed out after 50 ms");
  assert.ok(dep.lastChecked && dep.latency);
  assert.equal(res.status, Status.DOWN);
});

test("a check that honours its signal is also reported as timed out, not as its abort error", async () => {
  const m = new DependencyMonitor();
  m.register({
    name: "polite",
    check: (signal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted by signal")))),
    timeoutMs: 30,
  });
  const [dep] = (await m.checkAll()).dependencies;
  assert.equal(dep.timedOut, true);
  assert.equal(dep.error, "timed out after 30 ms");
});

test("checks run concurrently, each with its own timeout", async () => {
  // "a" can only succeed if "b" starts while "a" is still running.
  let bStarted!: () => void;
  const b = new Promise<void>((r) => (bStarted = r));
  const m = new DependencyMonitor();
  // Timeouts no slow machine reaches for the two that must succeed.
  m.register({ name: "a", check: () => b, timeoutMs: 600_000 });
  m.register({ name: "b", check: async () => bStarted(), timeoutMs: 600_000 });
  m.register({ name: "slow", check: never, timeoutMs: 40 });
  const res = await m.checkAll();
  assert.deepEqual(
    res.dependencies.map((d) => [d.name, Status[d.status], d.timedOut]),
    [
      ["a", "UP", false],
      ["b", "UP", false],
      ["slow", "DOWN", true],
    ],
  );
});

test("the aggregate: DOWN for a critical failure, DEGRADED for a non-critical one or a degraded check", async () => {
  let cacheUp = false;
  let dbUp = true;
  const m = new DependencyMonitor();
  m.register({
    name: "db",
    check: async () => {
      if (!dbUp) throw new Error("connection refused");
    },
  });
  m.register({
    name: "cache",
    critical: false,
    check: async () => {
      if (!cacheUp) throw new Error("no route");
    },
  });
  let res = await m.checkAll();
  assert.equal(res.status, Status.DEGRADED);
  assert.equal(res.dependencies[1].error, "no route");
  cacheUp = true;
  assert.equal((await m.checkAll()).status, Status.UP);
  m.register({ name: "search", check: async () => "degraded" });
  assert.equal((await m.checkAll()).status, Status.DEGRADED);
  dbUp = false;
  res = await m.checkAll();
  assert.equal(res.status, Status.DOWN);
  assert.equal(res.dependencies[0].error, "connection refused");
});

test('tied to health: a critical dependency going down turns "" NOT_SERVING, and back', async () => {
  const health = new HealthStatusRegistry();
  let up = true;
  const m = new DependencyMonitor({ health });
  m.register({
    name: "db",
    check: async () => {
      if (!up) throw new Error("down");
    },
  });
  m.register({
    name: "optional",
    critical: false,
    check: async () => {
      throw new Error("always down");
    },
  });
  await m.checkAll();
  assert.equal(health.getStatus(""), ServingStatus.SERVING, "a non-critical failure keeps serving");
  up = false;
  await m.checkAll();
  assert.equal(health.getStatus(""), ServingStatus.NOT_SERVING);
  up = true;
  await m.checkAll();
  assert.equal(health.getStatus(""), ServingStatus.SERVING);
});

test("interval checks run after start() and stop after stop(); subscribers hear of changes", async () => {
  let runs = 0;
  let up = true;
  const m = new DependencyMonitor();
  m.register({
    name: "ticker",
    intervalMs: 20,
    check: async () => {
      runs++;
      if (!up) throw new Error("x");
    },
  });
  m.register({ name: "on-demand", check: async () => {} });
  const changes: Status[] = [];
  m.subscribe(() => changes.push(m.status().status));
  m.start();
  while (runs < 3) await new Promise((r) => setTimeout(r, 10));
  up = false;
  while (m.status().status !== Status.DOWN) await new Promise((r) => setTimeout(r, 10));
  m.stop();
  const after = runs;
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(runs <= after + 1, "no more runs after stop (one may have been in flight)");
  assert.deepEqual(changes, [Status.UP, Status.DOWN]);
  assert.equal(m.status().dependencies[1].status, Status.UNSPECIFIED, "on-demand checks wait for checkAll");
});

test("bad registrations get a clear error", () => {
  const m = new DependencyMonitor();
  m.register({ name: "db", check: async () => {} });
  assert.throws(() => m.register({ name: "db", check: async () => {} }), /dependency "db" is already registered/);
  assert.throws(() => m.register({ name: "", check: async () => {} }), /needs a non-empty name/);
  assert.throws(() => m.register({ name: "x", check: "nope" as never }), /dependency "x": check must be a function/);
  assert.throws(
    () => m.register({ name: "y", check: async () => {}, timeoutMs: -1 }),
    /dependency "y": timeoutMs must be a positive number, got -1/,
  );
});

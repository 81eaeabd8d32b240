// The forwarder's load balancing against real backends on loopback.
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { request, startBackend, startFront, type Backend } from "./support.js";

function countingBackend(counter: { n: number; active: number }, delayMs = 0) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    counter.n++;
    counter.active++;
    const done = () => {
      counter.active--;
      res.end("ok");
    };
    if (delayMs) setTimeout(done, delayMs);
    else done();
  };
}

/** Runs `total` requests with `concurrency` workers; `onProgress` sees the number completed. */
async function load<T>(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<T>,
  onProgress?: (done: number) => void,
): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        results.push(await one(i));
        onProgress?.(results.length);
      }
    }),
  );
  return results;
}

test("3 backends, 3,000 requests: each gets within ±15% of an even share (round robin)", async () => {
  const counters = [0, 1, 2].map(() => ({ n: 0, active: 0 }));
  const backends = await Promise.all(counters.map((c) => startBackend(countingBackend(c))));
  const front = await startFront({ target: backends.map((b) => b.address) });
  try {
    const statuses = await load(3000, 24, () => request(`${front.url}/x`).then((r) => r.status));
    assert.deepEqual([...new Set(statuses)], [200]);
    for (const c of counters)
      assert.ok(
        c.n >= 850 && c.n <= 1150,
        `share ${c.n} of 3000 is outside 1000 ±15% (${counters.map((x) => x.n).join(", ")})`,
      );
  } finally {
    await front.close();
    await Promise.all(backends.map((b) => b.close()));
  }
});

test("least_outstanding spreads evenly too", async () => {
  const counters = [0, 1, 2].map(() => ({ n: 0, active: 0 }));
  const backends = await Promise.all(counters.map((c) => startBackend(countingBackend(c, 1))));
  const front = await startFront({ target: backends.map((b) => b.address), policy: "least_outstanding" });
  try {
    const statuses = await load(1500, 24, () => request(`${front.url}/x`).then((r) => r.status));
    assert.deepEqual([...new Set(statuses)], [200]);
    for (const c of counters)
      assert.ok(c.n >= 425 && c.n <= 575, `share ${c.n} of 1500 (${counters.map((x) => x.n).join(", ")})`);
  } finally {
    await front.close();
    await Promise.all(backends.map((b) => b.close()));
  }
});

test("one backend killed mid-run: only the requests in flight on it fail", async () => {
  const counters = [0, 1, 2].map(() => ({ n: 0, active: 0 }));
  const backends: Backend[] = await Promise.all(counters.map((c) => startBackend(countingBackend(c, 2))));
  const front = await startFront({ target: backends.map((b) => b.address) });
  const dead = backends[0].address;
  let killedAt = -1;
  let killedAfter = -1;
  let detectedAt = Infinity; // when the first failure came back: the forwarder knew by then
  try {
    // POST is not idempotent: a request in flight on the killed backend may not be retried.
    const results = await load(
      3000,
      24,
      async () => {
        const startedAt = performance.now();
        const r = await request(`${front.url}/x`, { method: "POST", body: Buffer.from("p") });
        if (r.status !== 200) detectedAt = Math.min(detectedAt, performance.now());
        return { startedAt, status: r.status, body: r.body.toString() };
      },
      (done) => {
        if (done === 1000 && killedAt < 0) {
          killedAt = performance.now();
          killedAfter = counters[0].n;
          backends[0].kill();
        }
      },
    );
    const failed = results.filter((r) => r.status !== 200);
    assert.ok(killedAt > 0, "the kill happened");
    assert.equal(results.length, 3000);
    for (const f of failed) {
      // In flight on it: routed to the dead backend, and started before the forwarder could know it was dead.
      assert.equal(f.status, 503, f.body);
      assert.ok(f.body.includes(dead), `failure names the killed backend: ${f.body}`);
      assert.ok(f.startedAt <= detectedAt, "no request started after the failure was detected fails");
    }
    assert.ok(failed.length <= 24, `at most the concurrency can be in flight (${failed.length})`);
    assert.equal(counters[0].n, killedAfter, "the killed backend got nothing after it died");
    assert.ok(counters[1].n + counters[2].n >= 3000 - killedAfter - failed.length, "the others took the rest");
  } finally {
    await front.close();
    await Promise.all(backends.map((b) => b.close()));
  }
});

test("a backend that is down → 503; it recovers when the backend returns", async () => {
  const counter = { n: 0, active: 0 };
  const first = await startBackend(countingBackend(counter));
  const port = first.port;
  await first.close();
  const front = await startFront({ target: [`127.0.0.1:${port}`], ejectBackoff: { initialMs: 50, maxMs: 200 } });
  let revived: Backend | undefined;
  try {
    const down = await request(`${front.url}/x`);
    assert.equal(down.status, 503);
    assert.match(down.body.toString(), /backend unavailable/);
    revived = await startBackend(countingBackend(counter), {}, port);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await request(`${front.url}/x`)).status;
      if (status !== 200) await sleep(50);
    }
    assert.equal(status, 200, "recovered once the backend was back");
    assert.ok(counter.n >= 1);
  } finally {
    await front.close();
    await revived?.close();
  }
});

test("no endpoints at all (DNS name without records) → 503 with a clear message", async () => {
  const front = await startFront({ target: "dns:///nothing.invalid:9095", lookup: async () => [] });
  try {
    const r = await request(`${front.url}/x`);
    assert.equal(r.status, 503);
    assert.match(r.body.toString(), /no endpoints resolved for "dns:\/\/\/nothing.invalid:9095".*no A\/AAAA records/);
  } finally {
    await front.close();
  }
});

test("a dns:/// target: every address of the name is used; one that refuses connections is skipped", async () => {
  const counter = { n: 0, active: 0 };
  const backend = await startBackend(countingBackend(counter));
  // localhost may also resolve to ::1, where nothing listens: those calls must be retried on 127.0.0.1.
  const front = await startFront({ target: `dns:///localhost:${backend.port}` });
  try {
    await front.client.balancer.ready();
    assert.ok(front.client.balancer.endpoints().some((e) => e.address === `127.0.0.1:${backend.port}`));
    const statuses = await load(20, 4, () =>
      request(`${front.url}/x`, { method: "POST", body: Buffer.from("p") }).then((r) => r.status),
    );
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.equal(counter.n, 20);
  } finally {
    await front.close();
    await backend.close();
  }
});

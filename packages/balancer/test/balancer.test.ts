import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "@acme/test-support/wait";
import { backoffDelay } from "../src/backoff.js";
import { createBalancer, NoEndpointsError, type FailureKind } from "../src/balancer.js";

interface FakeConn {
  address: string;
  closed: boolean;
}

function fake(target: string | string[], extra: Partial<Parameters<typeof createBalancer<FakeConn>>[0]> = {}) {
  const opened: FakeConn[] = [];
  const b = createBalancer<FakeConn>({
    target,
    connect(address) {
      const c = { address, closed: false };
      opened.push(c);
      return c;
    },
    close(c) {
      c.closed = true;
    },
    ...extra,
  });
  return { b, opened };
}

class Fail extends Error {
  constructor(readonly kind: FailureKind) {
    super(kind);
  }
}
const classify = (e: unknown): FailureKind => (e instanceof Fail ? e.kind : "none");

test("round robin spreads calls evenly and reuses one connection per address", async () => {
  const { b, opened } = fake(["a:1", "b:1", "c:1"]);
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i++)
    await b.run(async (_c, address) => void counts.set(address, (counts.get(address) ?? 0) + 1));
  assert.deepEqual([...counts.values()], [100, 100, 100]);
  assert.equal(opened.length, 3);
  await b.close();
  assert.ok(opened.every((c) => c.closed));
});

test("least_outstanding picks the endpoint with the fewest calls in flight", async () => {
  const { b } = fake(["a:1", "b:1", "c:1"], { policy: "least_outstanding" });
  const l1 = await b.pick();
  const l2 = await b.pick();
  const l3 = await b.pick();
  assert.equal(new Set([l1.address, l2.address, l3.address]).size, 3);
  l2.release();
  // Only l2's endpoint is idle now: it must be picked next, whatever the rotation says.
  for (let i = 0; i < 3; i++) {
    const l = await b.pick();
    assert.equal(l.address, l2.address);
    l.release();
  }
  await b.close();
});

test("a failed endpoint is ejected with exponential backoff and comes back", async () => {
  // Skipped while ejected: a backoff no slow machine can outlast during the picks.
  {
    const { b } = fake(["a:1", "b:1"], { ejectBackoff: { initialMs: 600_000, jitter: 0 } });
    const l = await b.pick();
    const bad = l.address;
    l.release("failure");
    assert.equal(b.endpoints().find((e) => e.address === bad)?.ejected, true);
    for (let i = 0; i < 5; i++) {
      const x = await b.pick();
      assert.notEqual(x.address, bad, "an ejected endpoint is skipped");
      x.release("ok");
    }
    await b.close();
  }
  // Back once its backoff has passed (waited for, not slept on).
  const { b } = fake(["a:1", "b:1"], { ejectBackoff: { initialMs: 80, maxMs: 1000, jitter: 0 } });
  const l = await b.pick();
  const bad = l.address;
  l.release("failure");
  assert.equal(b.endpoints().find((e) => e.address === bad)?.ejected, true);
  await waitFor(`${bad}'s ejection to expire`, () => b.endpoints().find((e) => e.address === bad)?.ejected === false);
  const seen = new Set<string>();
  for (let i = 0; i < 2; i++) {
    const x = await b.pick();
    seen.add(x.address);
    x.release("ok");
  }
  assert.ok(seen.has(bad), "back in rotation after its backoff");
  assert.equal(b.endpoints().find((e) => e.address === bad)?.failures, 0, "a success clears its failures");
  assert.deepEqual(
    [1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, { initialMs: 100, maxMs: 1000, jitter: 0 })),
    [100, 200, 400, 800, 1000, 1000],
  );
  await b.close();
});

test("when every endpoint is ejected, the one due back first is still tried", async () => {
  const { b } = fake(["a:1"], { ejectBackoff: { initialMs: 60_000, jitter: 0 } });
  const l = await b.pick();
  l.release("failure");
  assert.equal(b.endpoints()[0].ejected, true);
  const again = await b.pick();
  assert.equal(again.address, "a:1");
  again.release("ok");
  await b.close();
});

test("retries: always after an unsent failure, after a sent one only when idempotent, never after an application error", async () => {
  const { b } = fake(["a:1", "b:1", "c:1"], { classify, ejectBackoff: { initialMs: 10, jitter: 0 } });
  const attempts = async (kind: FailureKind, idempotent: boolean) => {
    let n = 0;
    const addresses: string[] = [];
    const out = await b
      .run(
        async (_c, address) => {
          n++;
          addresses.push(address);
          if (n === 1) throw new Fail(kind);
          return "ok";
        },
        { idempotent },
      )
      .catch((e: Error) => e.message);
    await waitFor("every ejection to expire", () => b.endpoints().every((e) => !e.ejected)); // each case starts with all 3 in rotation
    return { n, out, distinct: new Set(addresses).size };
  };
  assert.deepEqual(await attempts("unsent", false), { n: 2, out: "ok", distinct: 2 });
  assert.deepEqual(await attempts("sent", true), { n: 2, out: "ok", distinct: 2 });
  assert.deepEqual(await attempts("sent", false), { n: 1, out: "sent", distinct: 1 });
  assert.deepEqual(await attempts("none", true), { n: 1, out: "none", distinct: 1 });
  // Attempts stop at maxAttempts (3) and never reuse an endpoint within one call.
  const seen: string[] = [];
  await assert.rejects(
    b.run(async (_c, a) => {
      seen.push(a);
      throw new Fail("unsent");
    }),
    /unsent/,
  );
  assert.equal(seen.length, 3);
  assert.equal(new Set(seen).size, 3);
  await b.close();
});

test("DNS re-resolution adds and removes endpoints; a removed connection closes when idle", async () => {
  let answer = ["10.0.0.1", "10.0.0.2"];
  let lookups = 0;
  const { b, opened } = fake("dns:///svc:9095", {
    lookup: async () => {
      lookups++;
      return answer;
    },
    resolveIntervalMs: 30,
  });
  await b.ready();
  const addresses = () => b.endpoints().map((e) => e.address);
  assert.deepEqual(addresses(), ["10.0.0.1:9095", "10.0.0.2:9095"]);
  const busy = await b.pick(new Set(["10.0.0.2:9095"])); // a call in flight on 10.0.0.1
  answer = ["10.0.0.2", "10.0.0.3"];
  await waitFor("the new DNS answer to be applied", () => addresses().includes("10.0.0.3:9095"));
  assert.deepEqual(addresses(), ["10.0.0.2:9095", "10.0.0.3:9095"]);
  const first = opened.find((c) => c.address === "10.0.0.1:9095")!;
  assert.equal(first.closed, false, "not closed under an in-flight call");
  busy.release("ok");
  await waitFor("the removed connection to close once idle", () => first.closed);
  // A failing resolution keeps the last good list. Lookups never overlap, so once a second empty
  // lookup has started, the first one's answer has been handled.
  answer = [];
  const failedFrom = lookups;
  await waitFor("an empty DNS answer to be handled", () => lookups >= failedFrom + 2);
  assert.deepEqual(addresses(), ["10.0.0.2:9095", "10.0.0.3:9095"]);
  await b.close();
});

test("no endpoints → NoEndpointsError naming the target and why", async () => {
  const { b } = fake("dns:///gone:1", { lookup: async () => [] });
  await assert.rejects(
    b.pick(),
    (e: unknown) =>
      e instanceof NoEndpointsError &&
      /no endpoints resolved for "dns:\/\/\/gone:1": dns: no A\/AAAA records/.test((e as Error).message),
  );
  await b.close();
  await assert.rejects(b.pick(), /closed/);
});

test("an unknown policy is refused", () => {
  assert.throws(() => fake(["a:1"], { policy: "random" as never }), /unknown balancer policy "random"/);
});

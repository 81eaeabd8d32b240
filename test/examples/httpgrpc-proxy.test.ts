// The examples/httpgrpc-proxy front end in both modes. It also runs Express apps over real HTTP in
// the same process as the adapter, which must not disturb them (see packages/httpgrpc/src/node-handler.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startReplica, type Replica } from "../../examples/httpgrpc-proxy/backend.js";
import { startFront, type Mode } from "../../examples/httpgrpc-proxy/front.js";

for (const mode of ["httpgrpc", "http"] as Mode[]) {
  describe(`example front end, ${mode} mode`, () => {
    let replicas: Replica[];
    let front: { url: string; close(): Promise<void> };
    before(async () => {
      replicas = await Promise.all([startReplica("r1"), startReplica("r2")]);
      front = await startFront({
        mode,
        backends: replicas.map((r) => (mode === "httpgrpc" ? r.grpcAddress : r.httpAddress)),
        tokens: { "tok-a": "team-a" },
      });
    });
    after(async () => {
      await front.close();
      await Promise.all(replicas.map((r) => r.close()));
    });

    test("no or unknown token → 401; the backends are not called", async () => {
      assert.equal((await fetch(`${front.url}/api/whoami`)).status, 401);
      assert.equal((await fetch(`${front.url}/api/whoami`, { headers: { Authorization: "Bearer nope" } })).status, 401);
    });

    test("the tenant comes from the token (a spoofed X-Scope-OrgID is replaced), both replicas answer", async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const r = await fetch(`${front.url}/api/whoami?i=${i}`, {
          headers: { Authorization: "Bearer tok-a", "X-Scope-OrgID": "evil" },
        });
        assert.equal(r.status, 200);
        const j = (await r.json()) as { replica: string; tenant: string; url: string };
        assert.equal(j.tenant, "team-a");
        assert.equal(j.url, `/api/whoami?i=${i}`);
        seen.add(j.replica);
      }
      assert.deepEqual([...seen].sort(), ["r1", "r2"]);
    });

    test("a JSON body goes through; a backend 503 comes back with its headers", async () => {
      const r = await fetch(`${front.url}/api/echo`, {
        method: "POST",
        headers: { Authorization: "Bearer tok-a", "Content-Type": "application/json" },
        body: JSON.stringify({ x: [1, 2] }),
      });
      assert.equal(r.status, 200);
      assert.deepEqual(((await r.json()) as { body: unknown }).body, { x: [1, 2] });
      const f = await fetch(`${front.url}/api/fail`, { headers: { Authorization: "Bearer tok-a" } });
      assert.equal(f.status, 503);
      assert.equal(f.headers.get("retry-after"), "5");
      assert.equal(await f.text(), "backend is draining");
    });
  });
}

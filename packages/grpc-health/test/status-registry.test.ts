import assert from "node:assert/strict";
import { test } from "node:test";
import { HealthStatusRegistry } from "../src/status-registry.js";
import { HealthCheckResponse_ServingStatus as S } from "../src/gen.js";

test('"" starts SERVING; unknown services read undefined', () => {
  const r = new HealthStatusRegistry();
  assert.equal(r.getStatus(""), S.SERVING);
  assert.equal(r.getStatus("x"), undefined);
});

test("shutdown() reads NOT_SERVING everywhere; resume() brings back the latest set statuses", () => {
  const r = new HealthStatusRegistry();
  r.setStatus("a", S.SERVING);
  r.setStatus("b", S.NOT_SERVING);
  const seen: [string, S][] = [];
  r.subscribe("a", (s) => seen.push(["a", s]));
  r.subscribe("b", (s) => seen.push(["b", s]));
  r.shutdown();
  assert.deepEqual(
    [...r.list()],
    [
      ["", S.NOT_SERVING],
      ["a", S.NOT_SERVING],
      ["b", S.NOT_SERVING],
    ],
  );
  r.setStatus("b", S.SERVING); // recorded, not shown while shut down
  assert.equal(r.getStatus("b"), S.NOT_SERVING);
  r.resume();
  assert.deepEqual(
    [...r.list()],
    [
      ["", S.SERVING],
      ["a", S.SERVING],
      ["b", S.SERVING],
    ],
  );
  assert.deepEqual(seen, [
    ["a", S.NOT_SERVING],
    ["a", S.SERVING],
    ["b", S.SERVING],
  ]);
});

test("bad input gets a clear error", () => {
  const r = new HealthStatusRegistry();
  assert.throws(
    () => r.setStatus("x", S.SERVICE_UNKNOWN),
    /status of "x" must be SERVING, NOT_SERVING or UNKNOWN, got 3/,
  );
  assert.throws(() => r.setStatus(7 as never, S.SERVING), /service name must be a string/);
});

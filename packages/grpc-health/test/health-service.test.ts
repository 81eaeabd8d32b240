import assert from "node:assert/strict";
import { test } from "node:test";
import { createHandlerContext } from "@connectrpc/connect";
import { createHealthService } from "../src/health-service.js";
import { HealthStatusRegistry } from "../src/status-registry.js";
import { Health, HealthCheckResponse_ServingStatus as S } from "../src/gen.js";

function watchContext(signal?: AbortSignal) {
  return createHandlerContext({
    service: Health,
    method: Health.method.watch,
    protocolName: "grpc",
    requestMethod: "POST",
    url: "/grpc.health.v1.Health/Watch",
    requestSignal: signal,
  });
}

test("Watch holds one pending status for a reader that lags: it gets the status as it is now, not a backlog", async () => {
  const r = new HealthStatusRegistry();
  const stream = createHealthService(r)
    .watch({ service: "svc" } as never, watchContext())
    [Symbol.asyncIterator]();
  assert.equal((await stream.next()).value?.status, S.SERVICE_UNKNOWN);
  for (let i = 0; i < 10_000; i++) r.setStatus("svc", i % 2 ? S.SERVING : S.NOT_SERVING);
  r.setStatus("svc", S.UNKNOWN);
  assert.equal((await stream.next()).value?.status, S.UNKNOWN, "the latest status, the 10 000 before it dropped");
  // A change back to what the reader saw last is no change: nothing is sent for it.
  r.setStatus("svc", S.SERVING);
  r.setStatus("svc", S.UNKNOWN);
  r.setStatus("svc", S.NOT_SERVING);
  assert.equal((await stream.next()).value?.status, S.NOT_SERVING);
  // shutdown() then endWatches(): the NOT_SERVING is still sent, then the stream ends.
  r.setStatus("svc", S.SERVING);
  assert.equal((await stream.next()).value?.status, S.SERVING);
  r.shutdown();
  r.endWatches();
  assert.equal((await stream.next()).value?.status, S.NOT_SERVING);
  assert.equal((await stream.next()).done, true);
});

test("Watch ends when the call is cancelled", async () => {
  const r = new HealthStatusRegistry();
  const ac = new AbortController();
  const stream = createHealthService(r)
    .watch({ service: "" } as never, watchContext(ac.signal))
    [Symbol.asyncIterator]();
  assert.equal((await stream.next()).value?.status, S.SERVING);
  const next = stream.next();
  ac.abort();
  assert.equal((await next).done, true);
});

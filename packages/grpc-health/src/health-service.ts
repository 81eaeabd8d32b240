import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListResponseSchema,
} from "./gen.js";
import { type HealthStatusRegistry, MAX_LISTED_SERVICES } from "./status-registry.js";

/**
 * The grpc.health.v1.Health implementation over a registry, for Connect's
 * router: `router.service(Health, createHealthService(registry))`.
 */
export function createHealthService(registry: HealthStatusRegistry): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = registry.getStatus(req.service);
      if (status === undefined) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      return create(HealthCheckResponseSchema, { status });
    },

    list() {
      const all = registry.list();
      if (all.size > MAX_LISTED_SERVICES) {
        throw new ConnectError(
          `${all.size} services exceed the List limit of ${MAX_LISTED_SERVICES}`,
          Code.ResourceExhausted,
        );
      }
      const statuses = Object.fromEntries(
        [...all].map(([name, status]) => [name, create(HealthCheckResponseSchema, { status })]),
      );
      return create(HealthListResponseSchema, { statuses });
    },

    watch(req, ctx) {
      return watchStatus(registry, req.service, ctx);
    },
  };
}

/**
 * Sends the current status at once, then each change, until the call ends or the registry ends
 * all watches. Only the latest change waits to be sent (as grpc-go): a client that reads slower
 * than the status changes gets the status as it is now, and a watch holds one status, not a backlog.
 */
async function* watchStatus(registry: HealthStatusRegistry, service: string, ctx: HandlerContext) {
  let pending: ServingStatus | undefined;
  let wake: (() => void) | undefined;
  let ended = false;
  const end = () => {
    ended = true;
    wake?.();
  };
  const unsubscribe = registry.subscribe(service, (s) => {
    pending = s;
    wake?.();
  });
  const unregister = registry.onEndWatches(end);
  ctx.signal.addEventListener("abort", end, { once: true });
  try {
    let last = registry.getStatus(service) ?? ServingStatus.SERVICE_UNKNOWN;
    yield create(HealthCheckResponseSchema, { status: last });
    for (;;) {
      while (pending === undefined && !ended) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      // A change that came before the end is still sent (shutdown's NOT_SERVING above all).
      if (pending === undefined) return;
      const next: ServingStatus = pending;
      pending = undefined;
      if (next === last) continue;
      last = next;
      yield create(HealthCheckResponseSchema, { status: next });
    }
  } finally {
    unsubscribe();
    unregister();
    ctx.signal.removeEventListener("abort", end);
  }
}

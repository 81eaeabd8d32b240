import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthListResponseSchema,
} from "./gen.js";
import { type HealthStatusRegistry, MAX_LISTED_SERVICES } from "./status-registry.js";
import { WatchFeed } from "@acme/watch";

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
  const feed = new WatchFeed<ServingStatus>({
    subscribe: (push) => registry.subscribe(service, push),
    onEndWatches: (end) => registry.onEndWatches(end),
    signal: ctx.signal,
    latestOnly: true,
  });
  try {
    let last = registry.getStatus(service) ?? ServingStatus.SERVICE_UNKNOWN;
    yield create(HealthCheckResponseSchema, { status: last });
    // A change that came before the end is still sent (shutdown's NOT_SERVING above all).
    for (let changes = await feed.next(); changes; changes = await feed.next()) {
      const next = changes[changes.length - 1];
      if (next === last) continue;
      last = next;
      yield create(HealthCheckResponseSchema, { status: next });
    }
  } finally {
    feed.close();
  }
}

import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { type MonitoringService, WatchStatusResponseSchema } from "./gen.js";
import type { DependencyMonitor } from "./dependency-monitor.js";
import { WatchFeed } from "@acme/watch";

/** The MonitoringService implementation over a monitor: `router.service(MonitoringService, createMonitoringService(monitor))`. */
export function createMonitoringService(monitor: DependencyMonitor): ServiceImpl<typeof MonitoringService> {
  return {
    async getStatus(req) {
      return req.refresh ? monitor.checkAll() : monitor.status();
    },
    watchStatus(_req, ctx) {
      return watch(monitor, ctx);
    },
  };
}

/** The current status at once, then the full status after each change, until the call or the monitor ends it. */
async function* watch(monitor: DependencyMonitor, ctx: HandlerContext) {
  // Changes that pile up while the client is slow are sent as one: the latest full status.
  const feed = new WatchFeed<void>({
    subscribe: (push) => monitor.subscribe(push),
    onEndWatches: (end) => monitor.onEndWatches(end),
    signal: ctx.signal,
    latestOnly: true,
  });
  try {
    yield create(WatchStatusResponseSchema, { status: monitor.status() });
    while (await feed.next()) yield create(WatchStatusResponseSchema, { status: monitor.status() });
  } finally {
    feed.close();
  }
}

import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { type MonitoringService, WatchStatusResponseSchema } from "./gen.js";
import type { DependencyMonitor } from "./dependency-monitor.js";

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
  let dirty = false;
  let ended = false;
  let wake: (() => void) | undefined;
  const end = () => {
    ended = true;
    wake?.();
  };
  const unsubscribe = monitor.subscribe(() => {
    dirty = true;
    wake?.();
  });
  const unregister = monitor.onEndWatches(end);
  ctx.signal.addEventListener("abort", end, { once: true });
  try {
    yield create(WatchStatusResponseSchema, { status: monitor.status() });
    for (;;) {
      while (!dirty && !ended) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (!dirty) return;
      // Changes that pile up while the client is slow are sent as one: the latest full status.
      dirty = false;
      yield create(WatchStatusResponseSchema, { status: monitor.status() });
    }
  } finally {
    unsubscribe();
    unregister();
    ctx.signal.removeEventListener("abort", end);
  }
}

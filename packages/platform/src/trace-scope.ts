// The trace context of the call being handled, reachable from anywhere in
// the handler (e.g. a Node client making a downstream call) without passing
// it around. Node only. The store hangs off globalThis so that the ESM and
// CommonJS builds, or two copies of this package, share one.
import { AsyncLocalStorage } from "node:async_hooks";
import type { TraceContext } from "./traceparent.js";

const KEY = Symbol.for("@acme/platform/trace-scope");
const g = globalThis as { [KEY]?: AsyncLocalStorage<TraceContext> };
const storage: AsyncLocalStorage<TraceContext> = (g[KEY] ??= new AsyncLocalStorage<TraceContext>());

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

export function runInTrace<T>(trace: TraceContext, fn: () => T): T {
  return storage.run(trace, fn);
}

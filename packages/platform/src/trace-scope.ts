// The trace of the call being handled, reachable from anywhere in the
// handler (e.g. a Node client making a downstream call) without passing it
// around. With an OpenTelemetry SDK registered, its context manager carries
// it; without one, this AsyncLocalStorage does (Node only). The store hangs
// off globalThis so that the ESM and CommonJS builds, or two copies of this
// package, share one.
import { AsyncLocalStorage } from "node:async_hooks";
import { context as otelContext, type Context } from "@opentelemetry/api";
import { TRACE_CONTEXT, type TraceContext } from "./trace-context.js";

export { TRACE_CONTEXT, type TraceContext };

const KEY = Symbol.for("@acme/platform/trace-scope");
const g = globalThis as { [KEY]?: AsyncLocalStorage<Context> };
g[KEY] ??= new AsyncLocalStorage<Context>();
const storage: AsyncLocalStorage<Context> = g[KEY];

/** The OpenTelemetry context of the call being handled, if any. */
export function currentCallContext(): Context | undefined {
  const active = otelContext.active();
  return active.getValue(TRACE_CONTEXT) ? active : storage.getStore();
}

export function currentTrace(): TraceContext | undefined {
  return currentCallContext()?.getValue(TRACE_CONTEXT) as TraceContext | undefined;
}

/**
 * Runs `fn` in the call's context: OpenTelemetry's context manager when the
 * application registered one (an SDK does), else our AsyncLocalStorage
 * (unless `scope` is false).
 */
export function runInCall<T>(ctx: Context, scope: boolean, fn: () => T): T {
  return otelContext.with(ctx, () => (scope && otelContext.active() !== ctx ? storage.run(ctx, fn) : fn()));
}

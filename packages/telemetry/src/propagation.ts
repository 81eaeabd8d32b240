import {
  propagation,
  trace,
  TraceFlags,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent } from "./traceparent.js";

/**
 * W3C trace context (traceparent and tracestate) for processes that have
 * registered no OpenTelemetry SDK, whose global propagator is then a no-op.
 * Without it such a service would cut the trace between callers and callees
 * that do have an SDK, and its logs would carry no trace id. With an SDK
 * registered, the global propagator (whatever the application chose: W3C,
 * B3, Jaeger…) is used instead.
 */
export const fallbackPropagator: TextMapPropagator<unknown> = {
  inject(ctx, carrier, setter) {
    const sc = trace.getSpanContext(ctx);
    if (!sc || !trace.isSpanContextValid(sc)) return;
    setter.set(
      carrier,
      "traceparent",
      formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags & TraceFlags.SAMPLED ? "01" : "00"),
    );
    const state = sc.traceState?.serialize();
    if (state) setter.set(carrier, "tracestate", state);
  },
  extract(ctx, carrier, getter) {
    const tp = parseTraceparent(first(getter.get(carrier, "traceparent")));
    if (!tp) return ctx;
    const state = first(getter.get(carrier, "tracestate"));
    return trace.setSpanContext(ctx, {
      traceId: tp.traceId,
      spanId: tp.parentId,
      traceFlags: parseInt(tp.flags, 16) & TraceFlags.SAMPLED,
      isRemote: true,
      ...(state ? { traceState: opaqueTraceState(state) } : {}),
    });
  },
  fields: () => ["traceparent", "tracestate"],
};

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** tracestate passed on as received: the fallback neither reads nor edits vendors' entries. */
function opaqueTraceState(value: string) {
  const state = {
    set: () => state,
    unset: () => state,
    get: () => undefined,
    serialize: () => value,
  };
  return state;
}

/** The application's global propagator, or the W3C fallback when it registered none. */
export function activePropagator(): TextMapPropagator<unknown> {
  return propagation.fields().length > 0 ? (propagation as unknown as TextMapPropagator<unknown>) : fallbackPropagator;
}

/** Fetch-style Headers (Connect's request and response headers). */
export const headersGetter: TextMapGetter<Headers> = {
  keys: (h) => [...h.keys()],
  get: (h, key) => h.get(key) ?? undefined,
};

export const headersSetter: TextMapSetter<Headers> & { has(h: Headers, key: string): boolean } = {
  set: (h, key, value) => h.set(key, value),
  has: (h, key) => h.has(key),
};

/** Reads the trace context a call's headers carry (through the active propagator). */
export function extractContext<C>(parent: Context, carrier: C, getter: TextMapGetter<C>): Context {
  return activePropagator().extract(parent, carrier, getter as TextMapGetter<unknown>);
}

/** Writes `ctx`'s trace context into a call's headers (through the active propagator). */
export function injectContext<C>(ctx: Context, carrier: C, setter: TextMapSetter<C>): void {
  activePropagator().inject(ctx, carrier, setter as TextMapSetter<unknown>);
}

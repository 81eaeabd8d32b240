import {
  context as otelContext,
  createNoopMeter,
  metrics,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Histogram,
  type MeterProvider,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";
import { extractContext, injectContext } from "./propagation.js";
import { randomHex } from "./traceparent.js";

/** The instrumentation scope of every span and metric recorded here. */
export const INSTRUMENTATION_SCOPE = "@acme/telemetry";

/** "grpc" for gRPC and gRPC-web, "connect_rpc" for the Connect protocol (OpenTelemetry's rpc.system values). */
export type RpcSystem = "grpc" | "connect_rpc";

export interface RpcCall {
  system: RpcSystem;
  /** Fully-qualified service name, e.g. "acme.greeter.v1.GreeterService". */
  service: string;
  /** Method name, e.g. "SayHello". */
  method: string;
  /** More span attributes (e.g. server.address, http.request.method). */
  attributes?: Attributes;
}

/** One RPC being traced and timed; `end` exactly once. */
export interface RpcObservation {
  /** The call's context: its span, for handlers and downstream calls. */
  readonly context: Context;
  readonly span: Span;
  /** The caller's span, when its context came with the call (servers) or was active (clients). */
  readonly parent: SpanContext | undefined;
  /** Ends the span and records the duration. `code` is the gRPC status code (0 = OK). */
  end(code: number, error?: unknown): void;
}

// Connect's lower snake case code names, for rpc.connect_rpc.error_code.
const CODE_NAMES = [
  "ok",
  "canceled",
  "unknown",
  "invalid_argument",
  "deadline_exceeded",
  "not_found",
  "already_exists",
  "permission_denied",
  "resource_exhausted",
  "failed_precondition",
  "aborted",
  "out_of_range",
  "unimplemented",
  "internal",
  "unavailable",
  "data_loss",
  "unauthenticated",
];

// The codes the RPC semantic conventions count as a server's fault. httpgrpc
// carries HTTP statuses as codes, so 5xx counts too.
const SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);
const isServerError = (code: number) => SERVER_ERRORS.has(code) || (code >= 500 && code <= 599);

interface Instruments {
  provider: MeterProvider;
  server: Histogram;
  client: Histogram;
  /** No metrics SDK is registered: durations are neither timed nor recorded. */
  noop: boolean;
}
let instruments: Instruments | undefined;
const NOOP_HISTOGRAM = createNoopMeter().createHistogram("noop").constructor;

/**
 * The duration histograms of the current global MeterProvider. The metrics
 * API has no proxy provider, so instruments made before the application
 * registered its SDK would stay no-ops: they are made again when it changes.
 */
function histograms(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider !== provider) {
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
    const server = meter.createHistogram("rpc.server.duration", {
      description: "Measures the duration of inbound RPC.",
      unit: "ms",
    });
    const client = meter.createHistogram("rpc.client.duration", {
      description: "Measures the duration of outbound RPC.",
      unit: "ms",
    });
    instruments = { provider, server, client, noop: server.constructor === NOOP_HISTOGRAM };
  }
  return instruments;
}

function baseAttributes(call: RpcCall): Attributes {
  return { "rpc.system": call.system, "rpc.service": call.service, "rpc.method": call.method };
}

function statusAttributes(system: RpcSystem, code: number): Attributes {
  if (system === "grpc") return { "rpc.grpc.status_code": code };
  return code === 0 ? {} : { "rpc.connect_rpc.error_code": CODE_NAMES[code] ?? String(code) };
}

function observe(call: RpcCall, kind: SpanKind, parent: Context, ownIds: boolean): RpcObservation {
  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);
  const attributes = baseAttributes(call);
  let span = tracer.startSpan(
    `${call.service}/${call.method}`,
    { kind, attributes: call.attributes ? { ...attributes, ...call.attributes } : attributes },
    parent,
  );
  if (ownIds && !span.isRecording()) span = withOwnIds(span, parent);
  // Without a metrics SDK the clock is not read: two performance.now() calls per call were a
  // measurable part of an httpgrpc backend's CPU.
  const h = histograms();
  const start = h.noop ? 0 : performance.now();
  let ended = false;
  const isServer = kind === SpanKind.SERVER;
  const parentSc = trace.getSpanContext(parent);
  return {
    context: trace.setSpan(parent, span),
    span,
    parent: parentSc && trace.isSpanContextValid(parentSc) ? parentSc : undefined,
    end(code, error) {
      if (ended) return;
      ended = true;
      const recording = span.isRecording();
      const m = histograms();
      if (!recording && m.noop) return; // nothing would keep what follows
      const status = statusAttributes(call.system, code);
      if (recording) {
        span.setAttributes(status);
        if (code !== 0 && (!isServer || isServerError(code))) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
        }
        if (error instanceof Error && code !== 0) span.recordException(error);
        span.end();
      }
      // A provider registered mid-call records from its first whole call on.
      if (!m.noop && !h.noop)
        (isServer ? m.server : m.client).record(performance.now() - start, { ...attributes, ...status });
    },
  };
}

/**
 * A non-recording span from a process without an SDK carries its parent's
 * ids (or none): give it ids of its own, so that what it calls sees it as
 * the parent and its logs have a trace id even when nobody sent one.
 */
function withOwnIds(span: Span, parent: Context): Span {
  const sc = span.spanContext();
  const parentSc = trace.getSpanContext(parent);
  if (trace.isSpanContextValid(sc) && sc.spanId !== parentSc?.spanId) return span; // an SDK's unsampled span: its ids are its own
  return trace.wrapSpanContext({
    traceId: parentSc && trace.isSpanContextValid(parentSc) ? parentSc.traceId : randomHex(16),
    spanId: randomHex(8),
    traceFlags: parentSc && trace.isSpanContextValid(parentSc) ? parentSc.traceFlags : TraceFlags.SAMPLED,
    traceState: parentSc?.traceState,
  });
}

/**
 * A call this process serves: joins the caller's trace from its headers
 * (through the application's propagator, or the W3C fallback), as a SERVER
 * span named "service/method" with the RPC semantic conventions' attributes.
 */
export function observeServerCall<C>(call: RpcCall, carrier: C, getter: TextMapGetter<C>): RpcObservation {
  return observe(call, SpanKind.SERVER, extractContext(ROOT_CONTEXT, carrier, getter), true);
}

/**
 * A call this process makes: a CLIENT span, child of `parent` (default: the
 * active context), whose context is written into the request's headers.
 * Headers that already carry a traceparent are left alone.
 */
export function observeClientCall<C>(
  call: RpcCall,
  carrier: C,
  setter: TextMapSetter<C> & { has?(carrier: C, key: string): boolean },
  parent: Context = otelContext.active(),
): RpcObservation {
  const o = observe(call, SpanKind.CLIENT, parent, false);
  if (!setter.has?.(carrier, "traceparent")) injectContext(o.context, carrier, setter);
  return o;
}

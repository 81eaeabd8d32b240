// OpenTelemetry for httpgrpc.HTTP/Handle, through @acme/telemetry: the
// server span of createHTTPServer, the client span of createHTTPClient, and
// the trace context the forwarder takes from the HTTP request it forwards.
import { ConnectError } from "@connectrpc/connect";
import {
  context as otelContext,
  ROOT_CONTEXT,
  trace,
  type Context,
  type TextMapGetter,
  type TextMapSetter,
} from "@opentelemetry/api";
import {
  extractContext,
  injectContext,
  observeClientCall,
  observeServerCall,
  type RpcCall,
  type RpcObservation,
} from "@acme/telemetry";
import type { HTTPRequest } from "./gen.js";
import { canonicalHeaderKey } from "./http-rules.js";

const HANDLE: RpcCall = { system: "grpc", service: "httpgrpc.HTTP", method: "Handle" };

type HeaderList = { key: string; values: string[] }[];

function fromList(list: readonly { key: string; values: readonly string[] }[], key: string): string | undefined {
  for (const h of list) if (h.key.toLowerCase() === key) return h.values[0];
  return undefined;
}

/** gRPC metadata first; else the forwarded HTTP request's own headers (a caller that traced only at the HTTP level). */
const handleGetter: TextMapGetter<{ fields: readonly (readonly [string, string])[]; req: HTTPRequest }> = {
  keys: (c) => [...c.fields.map(([k]) => k), ...c.req.headers.map((h) => h.key.toLowerCase())],
  get(c, key) {
    for (const [k, v] of c.fields) if (k === key) return v;
    return fromList(c.req.headers, key);
  },
};

/** The SERVER span of one Handle call on createHTTPServer. */
export function observeHandle(fields: readonly (readonly [string, string])[], req: HTTPRequest): RpcObservation {
  return observeServerCall(
    { ...HANDLE, attributes: { "http.request.method": req.method || "GET" } },
    { fields, req },
    handleGetter,
  );
}

const metadataSetter: TextMapSetter<Record<string, string>> & { has(c: Record<string, string>, key: string): boolean } =
  {
    set: (c, key, value) => {
      c[key] = value;
    },
    has: (c, key) => key in c,
  };

/** Replaces a header of the forwarded request, so the backend's HTTP handler sees the Handle span as its parent. */
const headerListSetter: TextMapSetter<HeaderList> = {
  set(list, key, value) {
    for (let i = list.length - 1; i >= 0; i--) if (list[i].key.toLowerCase() === key) list.splice(i, 1);
    list.push({ key: canonicalHeaderKey(key), values: [value] });
  },
};

/**
 * The CLIENT span of one Handle call, child of `parent` (default: the active
 * context). Its context goes into the gRPC metadata and the forwarded HTTP
 * request's headers.
 */
export function observeHandleCall(
  method: string,
  metadata: Record<string, string>,
  headers: HeaderList,
  parent: Context = otelContext.active(),
): RpcObservation {
  const rpc = observeClientCall(
    { ...HANDLE, attributes: { "http.request.method": method } },
    metadata,
    metadataSetter,
    parent,
  );
  if (trace.isSpanContextValid(rpc.span.spanContext())) injectContext(rpc.context, headers, headerListSetter);
  return rpc;
}

/** The forwarder's parent: the active span (an HTTP server instrumentation's), else the incoming request's trace context. */
export function forwardedParent(headers: Record<string, string | string[] | undefined>): Context {
  const active = otelContext.active();
  if (trace.getSpan(active)) return active;
  return extractContext(ROOT_CONTEXT, headers, {
    keys: (h) => Object.keys(h),
    get: (h, key) => h[key],
  });
}

/** Runs `fn` in the span's context and ends the span with its outcome. */
export async function traced<T>(rpc: RpcObservation, fn: () => Promise<T>): Promise<T> {
  try {
    const out = await otelContext.with(rpc.context, fn);
    rpc.end(0);
    return out;
  } catch (err) {
    rpc.end(ConnectError.from(err).code, err);
    throw err;
  }
}

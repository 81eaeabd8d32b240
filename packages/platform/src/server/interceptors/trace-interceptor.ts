import type { Interceptor, StreamResponse, UnaryResponse } from "@connectrpc/connect";
import { ConnectError } from "@connectrpc/connect";
import { headersGetter, observeServerCall, type RpcSystem } from "@acme/telemetry";
import { hookStream } from "../../stream-hooks.js";
import { runInCall, TRACE_CONTEXT, type TraceContext } from "../../trace-scope.js";
import { traceKey } from "../context-keys.js";

const REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

/** gRPC and gRPC-web calls are rpc.system "grpc"; everything else Connect's. */
function systemOf(contentType: string | null): RpcSystem {
  return contentType?.startsWith("application/grpc") ? "grpc" : "connect_rpc";
}

/**
 * OpenTelemetry for each call served: a SERVER span joined to the caller's
 * trace (W3C trace context through the global propagator, or the fallback
 * when no SDK is registered), and rpc.server.duration. It keeps the caller's
 * x-request-id (or makes one) and echoes it in the response headers. The
 * handler, and every Node client it calls, runs in the call's context, so
 * downstream calls join the trace by themselves (`scope` false: only when
 * an OpenTelemetry context manager is registered).
 */
export function traceInterceptor(scope = true): Interceptor {
  return (next) => async (req) => {
    const rpc = observeServerCall(
      { system: systemOf(req.header.get("content-type")), service: req.service.typeName, method: req.method.name },
      req.header,
      headersGetter,
    );
    const sc = rpc.span.spanContext();
    const rid = req.header.get("x-request-id");
    const trace: TraceContext = {
      traceId: sc.traceId,
      spanId: sc.spanId,
      parentSpanId: rpc.parent?.spanId,
      flags: (sc.traceFlags & 0xff).toString(16).padStart(2, "0"),
      requestId: rid && REQUEST_ID.test(rid) ? rid : crypto.randomUUID(),
    };
    req.contextValues.set(traceKey, trace);
    const ctx = rpc.context.setValue(TRACE_CONTEXT, trace);
    const inCall = <R>(fn: () => R): R => runInCall(ctx, scope, fn);
    const fail = (err: unknown) => rpc.end(ConnectError.from(err).code, err);
    let res: UnaryResponse | StreamResponse;
    try {
      res = await inCall(() => next(req));
    } catch (err) {
      fail(err);
      throw err;
    }
    res.header.set("x-request-id", trace.requestId);
    if (!res.stream) {
      rpc.end(0);
      return res;
    }
    return {
      ...res,
      message: hookStream(res.message, {
        wrapNext: inCall,
        onEnd: (err) => (err === undefined ? rpc.end(0) : fail(err)),
      }),
    };
  };
}

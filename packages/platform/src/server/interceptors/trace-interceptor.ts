import type { Interceptor } from "@connectrpc/connect";
import { hookStream } from "../../stream-hooks.js";
import { runInTrace } from "../../trace-scope.js";
import { parseTraceparent, randomHex, type TraceContext } from "../../traceparent.js";
import { traceKey } from "../context-keys.js";

const REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

/**
 * Joins the caller's W3C trace (or starts one) with a new span for this
 * call, keeps the caller's x-request-id (or makes one) and echoes it in the
 * response headers. With `scope`, the handler, and every Node client it
 * calls, runs in this trace (AsyncLocalStorage), so downstream calls carry
 * it on by themselves.
 */
export function traceInterceptor(scope = true): Interceptor {
  return (next) => async (req) => {
    const incoming = parseTraceparent(req.header.get("traceparent"));
    const rid = req.header.get("x-request-id");
    const trace: TraceContext = {
      traceId: incoming?.traceId ?? randomHex(16),
      spanId: randomHex(8),
      parentSpanId: incoming?.parentId,
      flags: incoming?.flags ?? "01",
      requestId: rid && REQUEST_ID.test(rid) ? rid : crypto.randomUUID(),
    };
    req.contextValues.set(traceKey, trace);
    const res = scope ? await runInTrace(trace, () => next(req)) : await next(req);
    res.header.set("x-request-id", trace.requestId);
    if (!res.stream || !scope) return res;
    return { ...res, message: hookStream(res.message, { wrapNext: (pull) => runInTrace(trace, pull) }) };
  };
}

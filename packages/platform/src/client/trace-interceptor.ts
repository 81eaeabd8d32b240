import { Code, ConnectError, type Interceptor, type StreamResponse, type UnaryResponse } from "@connectrpc/connect";
import type { Context } from "@opentelemetry/api";
import { headersSetter, observeClientCall } from "@acme/telemetry";
import { hookStream } from "../stream-hooks.js";
import { TRACE_CONTEXT, type TraceContext } from "../trace-context.js";
import type { Protocol } from "./options.js";

/**
 * OpenTelemetry for each call made (each attempt, when retried): a CLIENT
 * span, child of the call being served if any (`parentOf`), whose context
 * goes into the request headers through the global propagator (or the W3C
 * fallback), and rpc.client.duration. The served call's x-request-id goes
 * along too.
 */
export function clientTraceInterceptor(protocol: Protocol, baseUrl: string, parentOf: () => Context): Interceptor {
  const system = protocol === "connect" ? "connect_rpc" : "grpc";
  const url = new URL(baseUrl);
  const attributes = {
    "server.address": url.hostname,
    "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)),
  };
  return (next) => async (req) => {
    const parent = parentOf();
    const rpc = observeClientCall(
      { system, service: req.service.typeName, method: req.method.name, attributes },
      req.header,
      headersSetter,
      parent,
    );
    const served = parent.getValue(TRACE_CONTEXT) as TraceContext | undefined;
    if (served && !req.header.has("x-request-id")) req.header.set("x-request-id", served.requestId);
    const fail = (err: unknown) => rpc.end(ConnectError.from(err, Code.Unknown).code, err);
    let res: UnaryResponse | StreamResponse;
    try {
      res = await next(req);
    } catch (err) {
      fail(err);
      throw err;
    }
    if (!res.stream) {
      rpc.end(0);
      return res;
    }
    return {
      ...res,
      message: hookStream(res.message, { onEnd: (err) => (err === undefined ? rpc.end(0) : fail(err)) }),
    };
  };
}

import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { hookStream } from "../../stream-hooks.js";
import { traceKey } from "../context-keys.js";
import type { Logger } from "../logger.js";

/** One log line per call when it ends: method, code, duration, request and trace ids. */
export function loggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const start = performance.now();
    const log = (err: unknown) => {
      const code = err === undefined ? "ok" : codeName(ConnectError.from(err).code);
      const trace = req.contextValues.get(traceKey);
      const fields = {
        method: `/${req.service.typeName}/${req.method.name}`,
        code,
        durationMs: Math.round((performance.now() - start) * 100) / 100,
        requestId: trace?.requestId,
        traceId: trace?.traceId,
      };
      if (err === undefined) logger.info("rpc", fields);
      else logger.warn("rpc", fields);
    };
    try {
      const res = await next(req);
      if (res.stream) return { ...res, message: hookStream(res.message, { onEnd: log }) };
      log(undefined);
      return res;
    } catch (err) {
      log(err);
      throw err;
    }
  };
}

const CODE_NAMES = new Map<number, string>();

/** The gRPC code name in lower snake case, as Connect writes it: "deadline_exceeded". */
export function codeName(code: Code): string {
  let name = CODE_NAMES.get(code);
  if (name === undefined) {
    name = (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
    CODE_NAMES.set(code, name);
  }
  return name;
}

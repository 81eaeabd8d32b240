import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { hookStream } from "../../stream-hooks.js";
import { traceKey } from "../context-keys.js";
import type { Logger } from "../logger.js";

/**
 * Anything thrown that is not a ConnectError becomes INTERNAL with a safe
 * message naming the request id; the error itself, with its stack, goes to
 * the log only. ConnectErrors are the handler's deliberate answers and pass.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const toSafe = (err: unknown): unknown => {
      if (err instanceof ConnectError) return err;
      const requestId = req.contextValues.get(traceKey)?.requestId;
      logger.error("unhandled error in rpc", {
        method: `${req.service.typeName}/${req.method.name}`,
        requestId,
        error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
      });
      return new ConnectError(`internal error${requestId ? ` (request id ${requestId})` : ""}`, Code.Internal);
    };
    try {
      const res = await next(req);
      return res.stream ? { ...res, message: hookStream(res.message, { mapError: toSafe }) } : res;
    } catch (err) {
      throw toSafe(err);
    }
  };
}

import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** Refuses new calls with UNAVAILABLE once the server is draining (calls that arrive on a still-open connection). */
export function drainInterceptor(isDraining: () => boolean): Interceptor {
  return (next) => async (req) => {
    if (isDraining()) throw new ConnectError("server is shutting down", Code.Unavailable);
    return next(req);
  };
}

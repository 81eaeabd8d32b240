import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { hookStream } from "../../stream-hooks.js";

const TIMEOUT_HEADERS = ["grpc-timeout", "connect-timeout-ms"];

/**
 * Enforces deadlines even on handlers that ignore their signal: when the
 * call's signal aborts for its deadline, the call ends with
 * DEADLINE_EXCEEDED at once instead of when the handler finally returns.
 * A unary call that comes without a deadline gets `defaultTimeoutMs`;
 * streams without one are left open (health Watch streams live for hours).
 */
export function deadlineInterceptor(defaultTimeoutMs: number | undefined): Interceptor {
  return (next) => async (req) => {
    const signal = req.signal;
    const hasDeadline = TIMEOUT_HEADERS.some((h) => req.header.has(h));
    if (!hasDeadline && !req.stream && defaultTimeoutMs !== undefined) {
      // One controller fed by the call's signal and our timer (AbortSignal.any is slow and lingers in Node 20).
      const own = new AbortController();
      const forward = () => own.abort(req.signal.reason);
      const t = setTimeout(() => own.abort(deadlineError(defaultTimeoutMs)), defaultTimeoutMs);
      req.signal.addEventListener("abort", forward, { once: true });
      if (req.signal.aborted) forward();
      try {
        return await raceAbort(next({ ...req, signal: own.signal }), own.signal);
      } finally {
        clearTimeout(t);
        req.signal.removeEventListener("abort", forward);
      }
    }
    const res = await raceAbort(next(req), signal);
    if (!res.stream) return res;
    return {
      ...res,
      message: hookStream(res.message, { wrapNext: (pull) => raceAbort(pull() as Promise<never>, signal) as never }),
    };
  };
}

function deadlineError(ms: number): ConnectError {
  return new ConnectError(`deadline of ${ms} ms exceeded`, Code.DeadlineExceeded);
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(ConnectError.from(signal.reason, Code.Canceled));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(ConnectError.from(signal.reason, Code.Canceled));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

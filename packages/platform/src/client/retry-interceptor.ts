import { MethodOptions_IdempotencyLevel as Idempotency } from "@bufbuild/protobuf/wkt";
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  retries?: number;
  /** Backoff before the first retry (default 100 ms); doubles each time, with full jitter. */
  initialBackoffMs?: number;
  /** Cap on one backoff (default 2000 ms). */
  maxBackoffMs?: number;
}

const IDEMPOTENT_RETRY_CODES = new Set([Code.Unavailable, Code.Aborted, Code.ResourceExhausted]);

/**
 * Whether a failed call may be sent again. UNAVAILABLE means the server did
 * not take the call, so any method may be retried; other transient codes
 * only for methods declared idempotent (option idempotency_level).
 */
export function isRetryable(method: DescMethod, code: Code): boolean {
  if (code === Code.Unavailable) return true;
  const idempotent =
    method.idempotency === Idempotency.IDEMPOTENT || method.idempotency === Idempotency.NO_SIDE_EFFECTS;
  return idempotent && IDEMPOTENT_RETRY_CODES.has(code);
}

/** Retries unary calls with exponential backoff, within the call's deadline. Streams are not replayed. */
export function retryInterceptor(options: RetryOptions = {}): Interceptor {
  const retries = options.retries ?? 2;
  const initial = options.initialBackoffMs ?? 100;
  const cap = options.maxBackoffMs ?? 2000;
  return (next) => async (req) => {
    if (req.stream || retries <= 0) return next(req);
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(req);
      } catch (err) {
        const code = ConnectError.from(err).code;
        if (attempt >= retries || req.signal.aborted || !isRetryable(req.method, code)) throw err;
        await sleep(Math.random() * Math.min(cap, initial * 2 ** attempt), req.signal);
        if (req.signal.aborted) throw err;
      }
    }
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

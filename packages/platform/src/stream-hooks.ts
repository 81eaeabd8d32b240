import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Wraps a response stream: `onEnd` runs once when it finishes, fails or is
 * abandoned; `mapError` may replace an error before it reaches the caller;
 * `wrapNext` runs around each pull (e.g. to enter an async context).
 */
export function hookStream<T>(
  source: AsyncIterable<T>,
  hooks: {
    onEnd?: (err: unknown) => void;
    mapError?: (err: unknown) => unknown;
    wrapNext?: <R>(pull: () => R) => R;
  },
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      let done = false;
      const finish = (err: unknown) => {
        if (done) return;
        done = true;
        hooks.onEnd?.(err);
      };
      const pull = hooks.wrapNext ?? (<R>(f: () => R) => f());
      return {
        async next() {
          try {
            const r = await pull(() => it.next());
            if (r.done) finish(undefined);
            return r;
          } catch (err) {
            const mapped = hooks.mapError ? hooks.mapError(err) : err;
            finish(mapped);
            throw mapped;
          }
        },
        async return(value?: unknown) {
          try {
            return (await it.return?.(value)) ?? { done: true, value: undefined };
          } finally {
            finish(new ConnectError("the stream was abandoned before its end", Code.Canceled));
          }
        },
      } as AsyncIterator<T>;
    },
  };
}

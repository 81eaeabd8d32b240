import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import type { ContextValues, StreamResponse, Transport, UnaryResponse } from "@connectrpc/connect";
import { createBalancer, type Balancer, type BalancerOptions, type Lease } from "./balancer.js";
import { classifyFailure, deadlineSpent, toConnectError, type CallContext } from "./transport-failure.js";

/** A transport and, optionally, how to close its connection. */
export type ClosableTransport = Transport & { close?(): Promise<void> | void };

export interface BalancedTransportOptions
  extends Omit<BalancerOptions<ClosableTransport>, "connect" | "close" | "classify"> {
  /**
   * Makes the transport of one endpoint, e.g.
   * `(baseUrl) => createGrpcTransport({ baseUrl })` from @connectrpc/connect-node.
   * If the returned object has a close() method, it is called when the endpoint goes away.
   */
  createTransport(baseUrl: string): ClosableTransport;
  /** URL scheme of each endpoint's baseUrl. Default "http". */
  scheme?: "http" | "https";
  /** Path prefix appended to each endpoint's baseUrl, e.g. "/api". Default none. */
  pathPrefix?: string;
  /**
   * Deadline of every unary call that sets none (DEFAULT_CALL_TIMEOUT_MS, 30 s, by default; 0 for
   * none), so that a hung endpoint is ejected even when callers set no deadline. It is passed to
   * the endpoint's transport, where it replaces that transport's own `defaultTimeoutMs`: the
   * deadline a call runs with is one the balancer sees. A call's own `timeoutMs` (0 = none) wins.
   * Streams get no default (they may rightly live for hours).
   */
  timeoutMs?: number;
}

/** The deadline of a unary call through createBalancedTransport that sets none. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export type BalancedTransport = Transport & {
  /** Closes every endpoint's transport that has a close() method and stops re-resolution. */
  close(): Promise<void>;
  readonly balancer: Balancer<ClosableTransport>;
};

function isIdempotent(method: { idempotency?: MethodOptions_IdempotencyLevel }): boolean {
  return (
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS ||
    method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT
  );
}

/**
 * A Connect Transport that spreads calls over every resolved endpoint of `target`.
 * Unary calls are retried on another endpoint when nothing was sent, or when the method
 * is declared idempotent (`option idempotency_level`). Streaming calls are never retried.
 */
export function createBalancedTransport(options: BalancedTransportOptions): BalancedTransport {
  const { createTransport, scheme = "http", pathPrefix = "", timeoutMs: defaultTimeoutMs, ...rest } = options;
  const unaryTimeoutMs = defaultTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  if (!(Number.isFinite(unaryTimeoutMs) && unaryTimeoutMs >= 0)) {
    throw new RangeError(`createBalancedTransport: timeoutMs must be a number >= 0, got ${unaryTimeoutMs}`);
  }
  const balancer = createBalancer<ClosableTransport>({
    ...rest,
    connect: (address) => createTransport(`${scheme}://${address}${pathPrefix}`),
    close: (t) => t.close?.(),
    classify: classifyFailure,
  });
  return {
    balancer,
    close: () => balancer.close(),
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      // Always a number when there is a default: undefined would let the endpoint's transport
      // apply a default deadline of its own, which the balancer could not tell from a server's.
      const deadlineMs = timeoutMs ?? (unaryTimeoutMs > 0 ? unaryTimeoutMs : undefined);
      const call: CallContext = { signal };
      let startedAt = 0;
      try {
        return await balancer.run(
          (t) => {
            startedAt = performance.now();
            return t.unary(method, signal, deadlineMs, header, input, contextValues);
          },
          {
            idempotent: isIdempotent(method),
            signal,
            classify: (err) => (deadlineSpent(err, startedAt, deadlineMs) ? "timeout" : classifyFailure(err, call)),
          },
        );
      } catch (err) {
        throw toConnectError(err, call);
      }
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const call: CallContext = { signal };
      let lease: Lease<ClosableTransport>;
      try {
        lease = await balancer.pick();
      } catch (err) {
        throw toConnectError(err);
      }
      let res: StreamResponse<I, O>;
      try {
        res = await lease.conn.stream(method, signal, timeoutMs, header, input, contextValues);
      } catch (err) {
        lease.release(classifyFailure(err, call) === "none" ? "neutral" : "failure");
        throw toConnectError(err, call);
      }
      const l = lease;
      const messages = res.message;
      // The endpoint stays "outstanding" until the response stream ends.
      async function* tracked(): AsyncGenerator<never, void, unknown> {
        let outcome: "ok" | "failure" | "neutral" = "ok";
        try {
          for await (const m of messages) yield m as never;
        } catch (err) {
          outcome = classifyFailure(err, call) === "none" ? "neutral" : "failure";
          throw toConnectError(err, call);
        } finally {
          l.release(outcome);
        }
      }
      return { ...res, message: tracked() as unknown as StreamResponse<I, O>["message"] };
    },
  };
}

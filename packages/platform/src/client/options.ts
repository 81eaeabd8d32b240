import type { Interceptor, Transport } from "@connectrpc/connect";
import type { ClosableTransport } from "@acme/balancer";
import type { RetryOptions } from "./retry-interceptor.js";
import type { ValidatorOptions } from "../validation/validate.js";

export type Protocol = "grpc" | "grpc-web" | "connect";

export interface ClientOptions {
  /** The server, e.g. "https://payments.example.com". Give this or `endpoints`. */
  baseUrl?: string;
  /** Several servers to balance calls over (Node client: @acme/balancer), e.g. ["http://10.0.0.1:8080", "http://10.0.0.2:8080"]. */
  endpoints?: string[];
  /** Balancing policy across `endpoints` (default round_robin). */
  policy?: "round_robin" | "least_outstanding";
  /** Default "connect". Browsers can use "connect" and "grpc-web"; Node all three. */
  protocol?: Protocol;
  /** Protobuf binary instead of JSON on the wire (default: true, except JSON for "connect"). */
  binary?: boolean;
  /** Deadline of every unary call that does not set its own (default 10 000 ms); 0 for none. */
  timeoutMs?: number;
  /** Deadline of every streaming call that does not set its own (default 0 = none: streams such as health Watch live long). */
  streamTimeoutMs?: number;
  /**
   * Sent as the `service` request header, which mesh routing (e.g. Linkerd's
   * header-based routing) uses to pick the destination, so the Kubernetes
   * service name can differ from the gRPC service name.
   */
  meshService?: string;
  /** Retry policy for idempotent or UNAVAILABLE unary calls; `false` or 0 to never retry (default 2 retries). */
  retries?: number | RetryOptions | false;
  /** Headers sent on every call. */
  headers?: Record<string, string>;
  /**
   * Check request messages against their buf.validate rules before sending
   * (protovalidate, loaded on first use): an invalid one fails with the
   * INVALID_ARGUMENT the server would send, without a round trip. Default false.
   */
  validate?: boolean | ValidatorOptions;
  /** Extra interceptors, run inside the platform's (each retry attempt runs them again). */
  interceptors?: Interceptor[];
}

/** What a runtime (browser or Node) supplies: a transport to one base URL. */
export type TransportFactory = (
  baseUrl: string,
  init: { protocol: Protocol; binary: boolean; interceptors: Interceptor[] },
) => ClosableTransport;

/**
 * Spreads calls over several base URLs: the seam for @acme/balancer's
 * createBalancedTransport. `createTransport` builds one endpoint's transport
 * without the retry interceptor: with several endpoints the balancer retries,
 * on another endpoint, up to `maxAttempts` attempts in all.
 */
export type BalanceFn = (
  endpoints: string[],
  createTransport: (baseUrl: string) => Transport,
  options: { policy: ClientOptions["policy"]; maxAttempts: number },
) => ClosableTransport;

/**
 * @acme/balancer: client-side load balancing over persistent connections.
 *
 * Generic core, for any per-endpoint connection type C:
 *
 *   const b = createBalancer<C>({
 *     target: "dns:///backend.ns.svc:9095",  // or "direct://10.0.0.1:9095", "host:port", ["a:1", "b:2"],
 *                                            // "kubernetes://backend.ns:grpc" (EndpointSlices watched, see kubernetes.ts)
 *     connect: (address) => openConnection(address),   // once per resolved "host:port", kept open
 *     close: (conn) => conn.close(),                    // when the address disappears, or on b.close()
 *     policy: "round_robin",                            // or "least_outstanding"
 *     resolveIntervalMs: 30_000,                        // dns targets: every A/AAAA record, re-resolved
 *     ejectBackoff: { initialMs: 250, maxMs: 10_000, multiplier: 2, jitter: 0.2 },
 *     maxAttempts: 3,
 *     classify: (err) => "none" | "unsent" | "sent",    // how a failure relates to the endpoint, e.g. classifyFailure
 *   });
 *   await b.run((conn, address, attempt) => call(conn), { idempotent: true, signal });
 *   const lease = await b.pick(); try { ... } finally { lease.release("ok" | "failure" | "neutral"); }
 *   b.reportFailure(address); b.endpoints(); await b.refresh(); await b.close();
 *
 * A failed endpoint ("unsent" or "sent" failure) leaves the rotation for an exponentially growing,
 * jittered time; when every endpoint is out, the one due back first is tried anyway, so recovery
 * is seen on the next call. run() retries on another endpoint only when that is safe: the failure
 * was "unsent" (nothing reached the server), or the call is idempotent.
 *
 * Connect transport on top (unary calls retried by the rules above; idempotency comes from the
 * method's `idempotency_level` option; streams are balanced but never retried):
 *
 *   import { createGrpcTransport } from "@connectrpc/connect-node";
 *   const transport = createBalancedTransport({
 *     target: "dns:///greeter:8080",
 *     createTransport: (baseUrl) => createGrpcTransport({ baseUrl }), // or connect / grpc-web factories
 *     scheme: "http",                                                 // baseUrl is `${scheme}://${address}`
 *     timeoutMs: 30_000,       // deadline of unary calls that set none (the default; 0 = none)
 *   });
 *   const client = createClient(GreeterService, transport);
 *   await transport.close();
 *
 * A factory result with a close() method (e.g. `{ ...createGrpcTransport({ baseUrl, sessionManager }),
 * close: () => sessionManager.abort() }`) is closed when its endpoint goes away; plain connect-node
 * transports release their HTTP/2 session after idleConnectionTimeoutMs instead.
 * Errors: no endpoints → ConnectError Code.Unavailable; bad targets throw TargetError at creation.
 * Transport failures are read in one place, transport-failure.ts: classifyFailure (counted against
 * the endpoint? safe to send again?) and toConnectError (the code callers see).
 */
export { createBalancer, NoEndpointsError } from "./balancer.js";
export type { Balancer, BalancerOptions, EndpointState, FailureKind, Lease, Policy, RunOptions } from "./balancer.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export {
  joinHostPort,
  parseTarget,
  resolveTarget,
  systemLookup,
  TargetError,
  type LookupFn,
  type Target,
} from "./resolver.js";
export { readyAddresses, type KubernetesOptions, type KubernetesTarget } from "./kubernetes.js";
export {
  classifyFailure,
  closedByPeer,
  deadlineSpent,
  H2_FAILURES,
  NODE_FAILURES,
  toConnectError,
  type CallContext,
  type FailureRule,
  type TransportFailure,
} from "./transport-failure.js";
export {
  createBalancedTransport,
  DEFAULT_CALL_TIMEOUT_MS,
  type BalancedTransport,
  type BalancedTransportOptions,
  type ClosableTransport,
} from "./connect-transport.js";

/** What the gRPC call tells an HTTP handler served through the adapter. */
export interface HttpgrpcContext {
  /** Aborts when the caller cancels or the deadline passes. */
  signal: AbortSignal;
  /** The call's deadline as a Date.now() timestamp, when the caller sent one. */
  deadline?: number;
  /** The gRPC request metadata (e.g. x-scope-orgid). */
  metadata: Headers;
}

// A symbol-keyed property: cheaper per call than a WeakMap entry, and it survives Express
// swapping the request's prototype.
const CONTEXT = Symbol("httpgrpc.context");

export function attachContext(req: object, ctx: HttpgrpcContext): void {
  (req as { [CONTEXT]?: HttpgrpcContext })[CONTEXT] = ctx;
}

/**
 * The gRPC call behind a request served by the adapter (a Node IncomingMessage or a fetch
 * Request), or undefined for a request that did not come through httpgrpc.
 */
export function httpgrpcContext(req: object): HttpgrpcContext | undefined {
  return (req as { [CONTEXT]?: HttpgrpcContext })[CONTEXT];
}

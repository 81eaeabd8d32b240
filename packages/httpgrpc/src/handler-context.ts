/** What the gRPC call tells an HTTP handler served through the adapter. */
export interface HttpgrpcContext {
  /** Aborts when the caller cancels or the deadline passes. */
  signal: AbortSignal;
  /** The call's deadline as a Date.now() timestamp, when the caller sent one. */
  deadline?: number;
  /** The gRPC request metadata (e.g. x-scope-orgid). */
  metadata: Headers;
}

const contexts = new WeakMap<object, HttpgrpcContext>();

export function attachContext(req: object, ctx: HttpgrpcContext): void {
  contexts.set(req, ctx);
}

/**
 * The gRPC call behind a request served by the adapter (a Node IncomingMessage or a fetch
 * Request), or undefined for a request that did not come through httpgrpc.
 */
export function httpgrpcContext(req: object): HttpgrpcContext | undefined {
  return contexts.get(req);
}

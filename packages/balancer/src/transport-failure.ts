/**
 * The one place where a failed call is interpreted: whether it was a transport failure, how it
 * relates to its endpoint (a FailureKind: counted against it? safe to send again?), and the
 * ConnectError callers see. The balanced Connect transport here, @acme/httpgrpc's client (on
 * @acme/h2) and @acme/platform's Node client (on connect-node) all go through it.
 *
 * Read in this order, first match wins:
 * 1. a transport's own failure that knows whether its request left (`TransportFailure`, such as
 *    @acme/h2's TransportError): "unsent" or "sent", and UNAVAILABLE for callers;
 * 2. anything else that is not a ConnectError (a transport that broke its contract): "sent";
 * 3. a ConnectError the server sent (no cause), or the caller's own cancel or deadline: "none";
 * 4. a transport's own failure in the cause chain, as in 1; then an HTTP/2 error code there
 *    (H2_FAILURES): REFUSED_STREAM means never processed;
 * 5. a Node error code in the cause chain (NODE_FAILURES), an "unsent" one before a "sent" one;
 * 6. any other UNAVAILABLE or ABORTED: "sent"; any other ConnectError: "none".
 * Given the call (its caller's signal), a stream the peer closed under a caller that did not
 * cancel (closedByPeer) is "sent", and UNAVAILABLE for callers, before step 3.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { NoEndpointsError, type FailureKind } from "./balancer.js";

/**
 * A transport's own failure (no status was received) that says whether the request may have
 * reached the server. @acme/h2's TransportError is one.
 */
export interface TransportFailure extends Error {
  readonly sent: boolean;
}

/** A row of the table: how the failure relates to its endpoint, and the code callers see instead of INTERNAL. */
export interface FailureRule {
  kind: "unsent" | "sent";
  /** Replaces the INTERNAL that connect-node gives every failure it has no code for. */
  code?: Code;
}

/**
 * Node error codes (`err.code`, anywhere in the cause chain). connect-node wraps these in a
 * ConnectError whose cause is the Node error.
 */
export const NODE_FAILURES: Readonly<Record<string, FailureRule>> = {
  // Raised while opening a connection, or asking a session that no longer takes streams for one:
  // the call never left this process.
  ECONNREFUSED: { kind: "unsent" },
  ENOTFOUND: { kind: "unsent" },
  EAI_AGAIN: { kind: "unsent" },
  EHOSTUNREACH: { kind: "unsent" },
  ENETUNREACH: { kind: "unsent" },
  ETIMEDOUT: { kind: "unsent" },
  ERR_HTTP2_GOAWAY_SESSION: { kind: "unsent" },
  ERR_HTTP2_INVALID_SESSION: { kind: "unsent" },
  // Raised on a connection that was up: the call may have reached the server.
  ECONNRESET: { kind: "sent" },
  EPIPE: { kind: "sent" },
  ERR_HTTP2_STREAM_ERROR: { kind: "sent" },
  ERR_HTTP2_SESSION_ERROR: { kind: "sent" },
  ERR_STREAM_DESTROYED: { kind: "sent" },
  ERR_HTTP2_INVALID_STREAM: { kind: "sent" },
};

/**
 * HTTP/2 error codes (RFC 9113 §7) of a reset stream that decide more than the Node error code
 * does. Any other code keeps its Node error code's row.
 */
export const H2_FAILURES: Readonly<Record<string, FailureRule>> = {
  // RFC 9113 §8.7: closed before any processing (e.g. on a connection the server is closing);
  // any request sent on it can be safely retried.
  REFUSED_STREAM: { kind: "unsent", code: Code.Unavailable },
};

/**
 * Node's error for a stream reset (RST_STREAM) has the code ERR_HTTP2_STREAM_ERROR and no
 * property for the HTTP/2 code: its name is only in the message, which Node formats as
 * "Stream closed with error code NGHTTP2_<NAME>". Read it from there, for that code only.
 */
const STREAM_ERROR_NAME = /^Stream closed with error code NGHTTP2_([A-Z0-9_]+)$/;

function causeChain(err: unknown): object[] {
  const out: object[] = [];
  for (let e: unknown = err; typeof e === "object" && e !== null && !out.includes(e) && out.length < 8; ) {
    out.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

function nodeCode(e: object): string | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === "string" ? c : undefined;
}

function h2ErrorName(e: object): string | undefined {
  if (nodeCode(e) !== "ERR_HTTP2_STREAM_ERROR") return undefined;
  return STREAM_ERROR_NAME.exec((e as { message?: unknown }).message as string)?.[1];
}

/**
 * connect-node's error for a stream that closed with the HTTP/2 code CANCEL: a CANCELED with no
 * cause and this message. Node closes every open stream with CANCEL, without an error, when its
 * connection ends mid-call (the peer closed the socket, or went away), and a peer's
 * RST_STREAM CANCEL looks the same. The caller's own cancel never looks like this: connect-node
 * gives the caller its signal's reason instead. Only the caller's signal tells a cancel that
 * reused this error as its reason apart, so it is read only where that signal is known.
 */
const PEER_CANCEL_MESSAGE = /^http\/2 stream closed with error code CANCEL \(0x8\)$/;

/** What a classification may know about the call beyond its error. */
export interface CallContext {
  /** The signal the caller gave the call (undefined: it gave none, so it cannot have cancelled). */
  readonly signal: AbortSignal | undefined;
}

/**
 * The connection was lost mid-call, or the peer reset the stream with CANCEL, while the caller
 * had not cancelled: the endpoint failed the call after it was (maybe) sent.
 */
export function closedByPeer(err: unknown, call: CallContext): boolean {
  return (
    err instanceof ConnectError &&
    err.code === Code.Canceled &&
    err.cause === undefined &&
    PEER_CANCEL_MESSAGE.test(err.rawMessage) &&
    call.signal?.aborted !== true
  );
}

function isTransportFailure(err: unknown): err is TransportFailure {
  return err instanceof Error && typeof (err as { sent?: unknown }).sent === "boolean";
}

/** The row a failure matches (steps 4 and 5 of the order above), if any. */
function ruleFor(chain: readonly object[]): FailureRule | undefined {
  for (const e of chain) {
    // A ConnectError callers were given for a transport's own failure (toConnectError).
    if (isTransportFailure(e)) return { kind: e.sent ? "sent" : "unsent", code: Code.Unavailable };
    const name = h2ErrorName(e);
    if (name !== undefined && H2_FAILURES[name]) return H2_FAILURES[name];
  }
  const rules = chain.map((e) => NODE_FAILURES[nodeCode(e) ?? ""]).filter((r) => r !== undefined);
  return rules.find((r) => r.kind === "unsent") ?? rules[0];
}

/**
 * How a failed call relates to its endpoint, for the balancer (see FailureKind): only transport
 * failures count against the endpoint; a status the server sent, a cancel or a deadline does not
 * (deadlineSpent tells a deadline the endpoint let pass). With `call`, a connection lost under a
 * caller that did not cancel counts too (closedByPeer); without it, it reads as a cancel.
 */
export function classifyFailure(err: unknown, call?: CallContext): FailureKind {
  if (isTransportFailure(err)) return err.sent ? "sent" : "unsent";
  if (!(err instanceof ConnectError)) return "sent";
  if (call && closedByPeer(err, call)) return "sent";
  // A status the server chose (it has no Node cause) says nothing about the endpoint's health.
  if (err.cause === undefined || err.cause === err) return "none";
  if (err.code === Code.Canceled || err.code === Code.DeadlineExceeded) return "none";
  const rule = ruleFor(causeChain(err.cause));
  if (rule) return rule.kind;
  if (err.code === Code.Unavailable || err.code === Code.Aborted) return "sent";
  return "none";
}

/**
 * The error callers see for a failed call: no endpoint, a transport's own failure, or a failure
 * whose row gives a code (a refused stream) becomes a ConnectError with that code (UNAVAILABLE
 * for the first two) and the failure as its cause; with `call`, so does a stream the peer closed
 * under a caller that did not cancel (closedByPeer: UNAVAILABLE, as gRPC reports a lost
 * connection, rather than a CANCELED the caller never asked for); anything else is returned as it is.
 */
export function toConnectError(err: unknown, call?: CallContext): unknown {
  if (err instanceof NoEndpointsError || isTransportFailure(err)) {
    return new ConnectError(err.message, Code.Unavailable, undefined, undefined, err);
  }
  if (err instanceof ConnectError && call && closedByPeer(err, call)) {
    return new ConnectError(
      `the connection was lost or the server cancelled the stream mid-call (${err.rawMessage}); the request may have reached the server`,
      Code.Unavailable,
      err.metadata,
      undefined,
      err,
    );
  }
  if (err instanceof ConnectError && err.code === Code.Internal) {
    const code = ruleFor(causeChain(err.cause))?.code;
    if (code !== undefined) return new ConnectError(err.rawMessage, code, err.metadata, undefined, err);
  }
  return err;
}

/**
 * A DEADLINE_EXCEEDED that came when the call's own deadline ran out, measured from `startedAt`
 * (performance.now()): the endpoint held the call without answering. Counted against it
 * ("timeout"), so that a hung backend is ejected. A DEADLINE_EXCEEDED the server sent earlier
 * is its own answer and is not.
 */
export function deadlineSpent(err: unknown, startedAt: number, timeoutMs: number | undefined): boolean {
  if (timeoutMs === undefined || timeoutMs <= 0 || !(err instanceof ConnectError) || err.code !== Code.DeadlineExceeded)
    return false;
  // Timers may fire up to a millisecond early against performance.now().
  return performance.now() - startedAt >= timeoutMs - 1;
}

import { Code, ConnectError } from "@connectrpc/connect";
import type { FailureKind } from "./balancer.js";

// Node error codes raised while opening a connection: the call never left this process.
const UNSENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_INVALID_SESSION",
]);
// Raised on a connection that was up: the call may have reached the server.
const SENT_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_STREAM_DESTROYED",
  "ERR_HTTP2_INVALID_STREAM",
]);

function causeCodes(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === "string") out.push(c);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

/**
 * Classifies an error from a Connect transport call for the balancer: only transport-level
 * failures count against the endpoint; an error status sent by the server does not.
 */
export function classifyConnectFailure(err: unknown): FailureKind {
  if (!(err instanceof ConnectError)) return "sent";
  // A status the server chose (it has no Node cause) says nothing about the endpoint's health.
  if (err.cause === undefined || err.cause === err) return "none";
  const codes = causeCodes(err.cause);
  if (codes.some((c) => UNSENT_CODES.has(c))) return "unsent";
  if (codes.some((c) => SENT_CODES.has(c))) return "sent";
  if (err.code === Code.Unavailable || err.code === Code.Aborted) return "sent";
  return "none";
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

// The platform's view of a call's trace, kept in its OpenTelemetry context.
// No Node built-ins: the browser client reads it too.
import { createContextKey } from "@opentelemetry/api";

/** The trace of a call, as handlers and logs see it. */
export interface TraceContext {
  /** 32 hex digits, shared by every span of the trace. */
  traceId: string;
  /** 16 hex digits: this process's span for the call. */
  spanId: string;
  /** The caller's span, when a valid trace context came in. */
  parentSpanId?: string;
  /** 2 hex digits; "01" = sampled. */
  flags: string;
  /** The x-request-id of the call: the caller's, or a new one. */
  requestId: string;
}

/** Where a call's TraceContext sits in its OpenTelemetry context. */
export const TRACE_CONTEXT = createContextKey("@acme/platform trace");

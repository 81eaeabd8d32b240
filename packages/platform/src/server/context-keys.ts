import { createContextKey } from "@connectrpc/connect";
import type { TraceContext } from "../trace-scope.js";

/** What the auth hook's verifier returned for the call's token (undefined for public methods). */
export const identityKey = createContextKey<unknown>(undefined, { description: "@acme/platform identity" });

/** The call's trace context and request id. */
export const traceKey = createContextKey<TraceContext | undefined>(undefined, { description: "@acme/platform trace" });

import { cors as connectCors } from "@connectrpc/connect";
import type { NodeRequest, NodeResponse } from "@acme/h2/node-server";

export interface CorsOptions {
  /** Origins allowed to call, e.g. ["https://app.example.com"], or "*" for any. */
  origins: string[] | "*";
  /** Let browsers send cookies and HTTP auth (never together with "*": the origin is echoed instead). */
  credentials?: boolean;
  /** How long browsers may cache a preflight (default 7200 s). */
  maxAgeSeconds?: number;
}

// Connect's lists, plus what the platform's client and interceptors send and answer.
const ALLOWED_HEADERS = [...connectCors.allowedHeaders, "Authorization", "Traceparent", "X-Request-Id", "Service"].join(
  ", ",
);
const EXPOSED_HEADERS = [...connectCors.exposedHeaders, "X-Request-Id"].join(", ");
const ALLOWED_METHODS = connectCors.allowedMethods.join(", ");

/**
 * Browsers on other origins: adds the CORS headers for allowed origins and
 * answers their preflights. Returns true when the request was a preflight
 * and has been answered.
 */
export function applyCors(options: CorsOptions, req: NodeRequest, res: NodeResponse): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== "string") return false;
  const allowed = options.origins === "*" || options.origins.includes(origin);
  if (!allowed) return false;
  res.setHeader("Vary", "Origin");
  res.setHeader("Access-Control-Allow-Origin", options.origins === "*" && !options.credentials ? "*" : origin);
  if (options.credentials) res.setHeader("Access-Control-Allow-Credentials", "true");
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
    res.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS);
    res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
    res.setHeader("Access-Control-Max-Age", String(options.maxAgeSeconds ?? 7200));
    res.statusCode = 204;
    res.end();
    return true;
  }
  res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
  return false;
}

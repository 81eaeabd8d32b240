import { validateHeaderName, validateHeaderValue } from "node:http";
import type { Header } from "./gen.js";

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

/** Hop-by-hop names for a message: the fixed set plus those listed in its Connection header. */
export function hopByHopNames(connectionValues: readonly string[] | undefined): Set<string> {
  if (!connectionValues || connectionValues.length === 0) return HOP_BY_HOP;
  const out = new Set(HOP_BY_HOP);
  for (const v of connectionValues) for (const t of v.split(",")) if (t.trim()) out.add(t.trim().toLowerCase());
  return out;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why a method is unacceptable, or undefined when it is a valid HTTP token. */
export function methodProblem(method: string): string | undefined {
  if (!TOKEN.test(method)) return `invalid method ${JSON.stringify(method)}: must be an HTTP token such as GET or POST`;
  return undefined;
}

/**
 * Why a request-target is unacceptable. Only origin-form ("/path?query") is accepted, so the
 * adapter can never be pointed at another host (absolute-form "http://h/", authority-form "h:1",
 * scheme-relative "//h/" and backslash tricks are refused).
 */
export function urlProblem(url: string): string | undefined {
  if (!url.startsWith("/")) {
    return `invalid url ${JSON.stringify(url.slice(0, 200))}: must be a path starting with "/" (absolute and authority forms are refused)`;
  }
  if (url.startsWith("//")) return `invalid url ${JSON.stringify(url.slice(0, 200))}: must not start with "//"`;
  if (/[^\x21-\x7e]/.test(url))
    return `invalid url ${JSON.stringify(url.slice(0, 200))}: contains a space, control or non-ASCII character`;
  if (url.includes("\\")) return `invalid url ${JSON.stringify(url.slice(0, 200))}: contains a backslash`;
  if (url.includes("#")) return `invalid url ${JSON.stringify(url.slice(0, 200))}: contains a fragment`;
  return undefined;
}

/** Why a header is unacceptable (bad name, CR/LF or other invalid characters in a value). */
export function headerProblem(h: Header, index: number): string | undefined {
  try {
    validateHeaderName(h.key);
  } catch {
    return `invalid header name ${JSON.stringify(h.key.slice(0, 100))} (headers[${index}]): must be an HTTP token`;
  }
  for (let j = 0; j < h.values.length; j++) {
    const v = h.values[j];
    if (/[\r\n\0]/.test(v))
      return `invalid value of header "${h.key}" (headers[${index}].values[${j}]): contains CR, LF or NUL`;
    try {
      validateHeaderValue(h.key, v);
    } catch {
      return `invalid value of header "${h.key}" (headers[${index}].values[${j}]): contains characters not allowed in HTTP headers`;
    }
  }
  return undefined;
}

/** Node's header objects (IncomingMessage.headers, OutgoingHttpHeaders) as httpgrpc Headers, hop-by-hop removed. */
export function headersFromNode(
  headers: Record<string, string | string[] | number | undefined>,
  drop: ReadonlySet<string> = new Set(),
): { key: string; values: string[] }[] {
  const out: { key: string; values: string[] }[] = [];
  const conn = headers.connection;
  const hop = hopByHopNames(conn === undefined ? undefined : Array.isArray(conn) ? conn : [String(conn)]);
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const lower = k.toLowerCase();
    if (hop.has(lower) || drop.has(lower)) continue;
    out.push({ key: canonicalHeaderKey(k), values: Array.isArray(v) ? v.map(String) : [String(v)] });
  }
  return out;
}

const canonical = new Map<string, string>();

/** "x-scope-orgid" → "X-Scope-Orgid", Go's canonical MIME header form. */
export function canonicalHeaderKey(k: string): string {
  let c = canonical.get(k);
  if (c === undefined) {
    c = k.toLowerCase().replace(/(^|-)([a-z])/g, (_, d: string, ch: string) => d + ch.toUpperCase());
    // Header names repeat; a bounded cache avoids the regex on the hot path.
    if (canonical.size < 1000) canonical.set(k, c);
  }
  return c;
}

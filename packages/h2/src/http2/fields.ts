/**
 * Header field checks of RFC 9113 §8.2–8.3. A block that fails one is malformed: the stream
 * ends with RST_STREAM PROTOCOL_ERROR (§8.1.1) and no handler sees it. Each check returns what
 * is wrong, or undefined.
 */
import type { HeaderField } from "./hpack.js";

// §8.2.1: a name never holds 0x00-0x20, uppercase 0x41-0x5a, or 0x7f-0xff; a colon only as
// the first character of a pseudo-header.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this check's purpose (§8.2.1).
const BAD_NAME_CHAR = /[\x00-\x20A-Z\x7f-\xff]/;
// §8.2.1: a value never holds NUL, CR or LF, and neither starts nor ends with SP or HTAB. The
// second rule is checked on requests only, as node:http2 does: grpc-go keeps spaces in
// grpc-message as they are, so its trailers may end with one.
const BAD_VALUE = /[\0\r\n]|^[ \t]|[ \t]$/;
const BAD_RESPONSE_VALUE = /[\0\r\n]/;
// §8.2.2: connection-specific fields.
const CONNECTION_SPECIFIC = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);
const REQUEST_PSEUDO = new Set([":method", ":scheme", ":authority", ":path"]);

function regularFieldProblem(name: string, value: string, badValue = BAD_VALUE): string | undefined {
  if (name === "") return "an empty field name";
  if (BAD_NAME_CHAR.test(name) || name.includes(":"))
    return `field name ${JSON.stringify(name)} is not lowercase token characters`;
  if (badValue.test(value)) return `field ${name} has a value with NUL, CR, LF, or whitespace at an end`;
  if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
  if (name === "te" && value !== "trailers") return `te: ${JSON.stringify(value)} (only "trailers" is allowed)`;
  return undefined;
}

/** A request's header block (§8.3.1). */
export function requestFieldsProblem(fields: readonly HeaderField[]): string | undefined {
  const seen = new Set<string>();
  let regular = false;
  for (const [name, value] of fields) {
    if (name.startsWith(":")) {
      if (regular) return `pseudo-header ${name} after a regular field`;
      if (!REQUEST_PSEUDO.has(name)) return `pseudo-header ${name} is not one of a request's`;
      if (seen.has(name)) return `pseudo-header ${name} twice`;
      if (BAD_VALUE.test(value)) return `pseudo-header ${name} has a value with NUL, CR, LF, or whitespace at an end`;
      seen.add(name);
      continue;
    }
    regular = true;
    const p = regularFieldProblem(name, value);
    if (p) return p;
  }
  const method = fieldOf(fields, ":method");
  if (method === undefined) return "no :method";
  if (method === "CONNECT") {
    if (seen.has(":scheme") || seen.has(":path")) return "CONNECT with :scheme or :path";
    if (!seen.has(":authority")) return "CONNECT without :authority";
    return undefined;
  }
  if (!seen.has(":scheme")) return "no :scheme";
  const path = fieldOf(fields, ":path");
  if (path === undefined) return "no :path";
  if (path === "") return "an empty :path";
  return undefined;
}

/** A response's header block (§8.3.2); 1xx interim responses included. */
export function responseFieldsProblem(fields: readonly HeaderField[]): string | undefined {
  let regular = false;
  let status: string | undefined;
  for (const [name, value] of fields) {
    if (name.startsWith(":")) {
      if (regular) return `pseudo-header ${name} after a regular field`;
      if (name !== ":status") return `pseudo-header ${name} is not one of a response's`;
      if (status !== undefined) return "pseudo-header :status twice";
      status = value;
      continue;
    }
    regular = true;
    const p = regularFieldProblem(name, value, BAD_RESPONSE_VALUE);
    if (p) return p;
  }
  if (status === undefined) return "no :status";
  if (!/^[1-9]\d\d$/.test(status)) return `:status ${JSON.stringify(status)} is not a 3-digit code`;
  return undefined;
}

/** A trailer block (§8.1): no pseudo-headers. */
export function trailerFieldsProblem(fields: readonly HeaderField[]): string | undefined {
  for (const [name, value] of fields) {
    if (name.startsWith(":")) return `pseudo-header ${name} in trailers`;
    const p = regularFieldProblem(name, value, BAD_RESPONSE_VALUE);
    if (p) return p;
  }
  return undefined;
}

/**
 * The content-length a header block declares (§8.1.1): undefined when none, NaN when it is not
 * digits or its copies disagree (a malformed message).
 */
export function declaredContentLength(fields: readonly HeaderField[]): number | undefined {
  let out: number | undefined;
  for (let i = 0; i < fields.length; i++) {
    if (fields[i][0] !== "content-length") continue;
    const v = fields[i][1];
    const n = /^\d{1,15}$/.test(v) ? Number(v) : Number.NaN;
    if (out !== undefined && out !== n) return Number.NaN;
    out = n;
  }
  return out;
}

function fieldOf(fields: readonly HeaderField[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i++) if (fields[i][0] === name) return fields[i][1];
  return undefined;
}

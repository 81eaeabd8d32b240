// gRPC-over-HTTP/2 header encodings (grpc/grpc PROTOCOL-HTTP2.md), as grpc-go writes them.

/** grpc-message: printable ASCII except "%" as is, every other UTF-8 byte as %XX. */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = "";
  for (const b of Buffer.from(message, "utf8")) {
    out +=
      b >= 0x20 && b <= 0x7e && b !== 0x25
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Decodes a grpc-message; a malformed %-sequence is kept literally, invalid UTF-8 becomes U+FFFD. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/**
 * The longest deadline a timer can hold: Node's setTimeout fires at once for more than 2^31-1
 * ms (24.8 days). A longer grpc-timeout (8 digits of hours allow 11,000 years) is cut to it.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** grpc-timeout → milliseconds (at most MAX_TIMEOUT_MS), or undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!m) return undefined;
  return Math.min(MAX_TIMEOUT_MS, Number(m[1]) * TIMEOUT_UNITS[m[2]]);
}

/** Milliseconds → grpc-timeout (at most 8 digits, as the spec requires). */
export function formatGrpcTimeout(ms: number): string {
  const v = Math.max(0, Math.ceil(ms));
  return v < 1e8 ? `${v}m` : `${Math.ceil(v / 1000)}S`;
}

/** Base64 without padding, as grpc-go sends -bin headers; decoders accept either. */
export function encodeBinaryHeader(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64").replace(/=+$/, "");
}

export function decodeBinaryHeader(value: string): Uint8Array {
  return Buffer.from(value, "base64");
}

/** Application metadata from HTTP/2 headers: reserved and pseudo headers removed. */
export function metadataFromHeaders(headers: Record<string, string | string[] | undefined>): Headers {
  const md = new Headers();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k.startsWith(":") || k.startsWith("grpc-") || k === "content-type" || k === "te") continue;
    if (Array.isArray(v)) for (const x of v) md.append(k, x);
    else md.append(k, v);
  }
  return md;
}

/** HTTP/2 header fields as a record: a repeated name gets an array of its values. */
export function recordFromFields(fields: readonly (readonly [string, string])[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of fields) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

/** The first value of `name` among HTTP/2 header fields. */
export function fieldValue(fields: readonly (readonly [string, string])[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i++) if (fields[i][0] === name) return fields[i][1];
  return undefined;
}

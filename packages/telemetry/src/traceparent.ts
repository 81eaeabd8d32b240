// W3C Trace Context `traceparent`: version-traceid-parentid-flags, lower-case hex.
// Pure functions, safe in browsers and Node. Used only by the fallback
// propagator (fallbackPropagator in propagation.ts), for processes that register no OpenTelemetry SDK.

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Parses a traceparent header; undefined when missing or invalid (all-zero ids and version ff are invalid). */
export function parseTraceparent(
  value: string | null | undefined,
): { traceId: string; parentId: string; flags: string } | undefined {
  const m = TRACEPARENT.exec((value ?? "").trim());
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

export function formatTraceparent(traceId: string, spanId: string, flags = "01"): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

// Hex of every byte value, and random bytes drawn 4 KiB at a time: a server span gets ids of its own
// on every call, and one getRandomValues call per id was 6% of a busy httpgrpc backend's CPU.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** `bytes` random bytes in lower-case hex, never all zeros (an invalid W3C id). */
export function randomHex(bytes: number): string {
  if (bytes > pool.length) throw new RangeError(`randomHex: at most ${pool.length} bytes`);
  if (poolOffset + bytes > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  let s = "";
  let zero = true;
  for (let i = poolOffset; i < poolOffset + bytes; i++) {
    if (pool[i] !== 0) zero = false;
    s += HEX[pool[i]];
  }
  poolOffset += bytes;
  return zero ? randomHex(bytes) : s;
}

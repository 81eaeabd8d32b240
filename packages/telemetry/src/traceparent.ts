// W3C Trace Context `traceparent`: version-traceid-parentid-flags, lower-case hex.
// Pure functions, safe in browsers and Node. Used only by the fallback
// propagator (fallback.ts), for processes that register no OpenTelemetry SDK.

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

/** `bytes` random bytes in lower-case hex, never all zeros (an invalid W3C id). */
export function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return /^0+$/.test(s) ? randomHex(bytes) : s;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD (as grpc-go does for messages). */
export function utf8FromBytes(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Replaces lone surrogates (which cannot be encoded as UTF-8) with U+FFFD. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

// Raw-socket HTTP/2 peers in tests (packages/h2 and packages/httpgrpc) write their frames with these.

/** The HTTP/2 client connection preface, for raw-socket peers in tests. */
export { HTTP2_PREFACE } from "@acme/h2";

/** One HTTP/2 frame, written by hand: 24-bit length, type, flags, stream id, payload. */
export function rawFrame(type: number, flags: number, stream: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

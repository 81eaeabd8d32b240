import { ConnectError, Code } from "@connectrpc/connect";

/**
 * Collects exactly one length-prefixed message from a stream of chunks, refusing (as soon as the
 * prefix is seen) a message over maxBytes, so an oversized message is never buffered. Once the
 * length is known the message is copied into one buffer of that size as chunks arrive, so each
 * chunk can be released at once (fewer live buffers, less GC than collecting and concatenating).
 */
export class SingleMessageReader {
  private head = Buffer.alloc(5);
  private headLen = 0;
  private body: Buffer | undefined;
  private bodyLen = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly what: string,
  ) {}

  /** Adds a chunk; throws a ConnectError on a too large, compressed or second message. */
  push(chunk: Buffer): void {
    let off = 0;
    if (this.headLen < 5) {
      const n = Math.min(5 - this.headLen, chunk.length);
      chunk.copy(this.head, this.headLen, 0, n);
      this.headLen += n;
      off = n;
      if (this.headLen < 5) return;
      if (this.head[0] !== 0) throw new ConnectError(`${this.what} is compressed; compression is not supported`, Code.Unimplemented);
      const expected = this.head.readUInt32BE(1);
      if (expected > this.maxBytes) {
        throw new ConnectError(`${this.what} of ${expected} bytes is larger than the limit of ${this.maxBytes} bytes`, Code.ResourceExhausted);
      }
      this.body = Buffer.allocUnsafe(expected);
    }
    const rest = chunk.length - off;
    if (rest === 0) return;
    const body = this.body!;
    if (this.bodyLen + rest > body.length) throw new ConnectError(`${this.what}: more than one message on a unary call`, Code.Unimplemented);
    chunk.copy(body, this.bodyLen, off);
    this.bodyLen += rest;
  }

  /** The message once the stream ended; throws when it was cut short. */
  finish(): Uint8Array {
    if (this.headLen === 0) throw new ConnectError(`${this.what}: no message`, Code.Unimplemented);
    if (!this.body || this.bodyLen !== this.body.length) {
      throw new ConnectError(`${this.what}: truncated message (${this.headLen + this.bodyLen} of ${this.body ? this.body.length + 5 : "?"} bytes)`, Code.Internal);
    }
    return this.body;
  }
}

import { ConnectError, Code } from "@connectrpc/connect";

/**
 * Collects exactly one length-prefixed message from a stream of chunks, refusing (as soon as the
 * prefix is seen) a message over maxBytes, so an oversized message is never buffered.
 */
export class SingleMessageReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private expected = -1;
  constructor(
    private readonly maxBytes: number,
    private readonly what: string,
  ) {}

  /** Adds a chunk; throws a ConnectError on a too large, compressed or second message. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    if (this.expected < 0 && this.have >= 5) {
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      if (head[0] !== 0) throw new ConnectError(`${this.what} is compressed; compression is not supported`, Code.Unimplemented);
      this.expected = head.readUInt32BE(1);
      if (this.expected > this.maxBytes) {
        throw new ConnectError(`${this.what} of ${this.expected} bytes is larger than the limit of ${this.maxBytes} bytes`, Code.ResourceExhausted);
      }
    }
    if (this.expected >= 0 && this.have > 5 + this.expected) {
      throw new ConnectError(`${this.what}: more than one message on a unary call`, Code.Unimplemented);
    }
  }

  /** The message once the stream ended; throws when it was cut short. */
  finish(): Uint8Array {
    if (this.have === 0) throw new ConnectError(`${this.what}: no message`, Code.Unimplemented);
    if (this.expected < 0 || this.have !== 5 + this.expected) {
      throw new ConnectError(`${this.what}: truncated message (${this.have} of ${this.expected + 5} bytes)`, Code.Internal);
    }
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.have);
    return all.subarray(5);
  }
}

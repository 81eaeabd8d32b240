import { ConnectError, Code } from "@connectrpc/connect";
import type { H2Connection, H2Stream } from "../http2/connection.js";
import type { BlockPool } from "./block-pool.js";

/** One uncompressed gRPC message as pieces to send: its 5-byte prefix, then the message itself (not copied). */
export function framedPieces(message: Uint8Array): Buffer[] {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.byteLength, 1);
  return [prefix, Buffer.from(message.buffer, message.byteOffset, message.byteLength)];
}

/** A piece shorter than this is copied: kept as a view, it would hold its whole socket read. */
const MIN_VIEW_BYTES = 32 * 1024;

/**
 * Collects exactly one length-prefixed message from a stream of chunks, refusing (as soon as the
 * prefix is seen) a message over maxBytes, so an oversized message is never buffered. Nothing is
 * allocated for the size the prefix declares: the message is kept as the chunks that arrive
 * (large ones as views, small ones copied), and joined once at the end. A message that arrives
 * in one chunk is kept as a view of it. finishPieces() hands the pieces over unjoined, for a
 * caller that can use them as they are, such as the forwarder writing a large body back.
 *
 * With a BlockPool, chunks are taken to be reused by the caller after push() (a connection that
 * reads into one buffer): every byte is copied, a message under a block into one buffer of its
 * size, a larger one into the pool's blocks as its bytes arrive (never more than arrived, plus
 * one block). Whoever takes the pieces gives the blocks back with release() once done with them.
 */
export class SingleMessageReader {
  /** The 5-byte prefix, when it arrives split over chunks (rare: usually it is read in place). */
  private head: Buffer | undefined;
  private headLen = 0;
  private body: Buffer | undefined;
  private bodyLen = 0;
  private expected = 0;
  private readonly pieces: Buffer[] = [];
  /** With a pool: the buffers the message is copied into, and the bytes used in the last one. */
  private store: Buffer[] = [];
  private storeFill = 0;
  /** Whether `store` holds blocks of the pool (to give back), not one buffer of the message's size. */
  private pooled = false;
  constructor(
    private readonly maxBytes: number,
    private readonly what: string,
    /** Copy every byte (the caller reuses its chunks) into this pool's blocks. */
    private readonly blocks?: BlockPool,
  ) {}

  /** Adds a chunk; throws a ConnectError on a too large, compressed or second message. */
  push(chunk: Buffer): void {
    let off = 0;
    if (this.headLen < 5) {
      let head: Buffer;
      if (this.headLen === 0 && chunk.length >= 5) {
        head = chunk;
        this.headLen = off = 5;
      } else {
        head = this.head ??= Buffer.alloc(5);
        const n = Math.min(5 - this.headLen, chunk.length);
        chunk.copy(head, this.headLen, 0, n);
        this.headLen += n;
        off = n;
        if (this.headLen < 5) return;
      }
      if (head[0] !== 0)
        throw new ConnectError(`${this.what} is compressed; compression is not supported`, Code.Unimplemented);
      const expected = head.readUInt32BE(1);
      if (expected > this.maxBytes) {
        throw new ConnectError(
          `${this.what} of ${expected} bytes is larger than the limit of ${this.maxBytes} bytes`,
          Code.ResourceExhausted,
        );
      }
      this.expected = expected;
      // The whole message in this chunk: keep a view of it, no copy (chunks are never reused).
      if (!this.blocks && chunk.length - off === expected) {
        this.body = chunk.subarray(off);
        this.bodyLen = expected;
        return;
      }
    }
    const rest = chunk.length - off;
    if (rest === 0) return;
    if (this.bodyLen + rest > this.expected)
      throw new ConnectError(`${this.what}: more than one message on a unary call`, Code.Unimplemented);
    this.bodyLen += rest;
    if (this.blocks) this.copyIn(this.blocks, chunk, off);
    else {
      const piece = off === 0 ? chunk : chunk.subarray(off);
      this.pieces.push(rest < MIN_VIEW_BYTES ? Buffer.from(piece) : piece);
    }
  }

  private copyIn(pool: BlockPool, src: Buffer, off: number): void {
    while (off < src.length) {
      let last = this.store[this.store.length - 1];
      if (last === undefined || this.storeFill === last.length) {
        if (this.store.length === 0 && this.expected < pool.blockBytes) last = Buffer.allocUnsafe(this.expected);
        else {
          last = pool.take();
          this.pooled = true;
        }
        this.store.push(last);
        this.storeFill = 0;
      }
      const n = src.copy(last, this.storeFill, off);
      this.storeFill += n;
      off += n;
    }
  }

  /** The copied message as pieces: the store, its last buffer cut to what was filled. */
  private stored(): Buffer[] {
    const s = this.store;
    if (s.length === 0) return [];
    const out = s.slice();
    out[out.length - 1] = s[s.length - 1].subarray(0, this.storeFill);
    return out;
  }

  /**
   * Gives the pool's blocks back. Call it once nothing refers to the pieces any more (they were
   * written out), or when the message is dropped; later calls do nothing.
   */
  release(): void {
    if (this.pooled) this.blocks!.give(this.store);
    this.store = [];
    this.storeFill = 0;
    this.pooled = false;
  }

  /** Bytes taken so far, the 5-byte prefix included. */
  get received(): number {
    return this.headLen + this.bodyLen;
  }

  /** Bytes still needed to complete the message (at most maxBytes + 5, the prefix included). */
  get missing(): number {
    return this.headLen < 5 ? 5 - this.headLen : this.expected - this.bodyLen;
  }

  /**
   * A DATA frame of a unary call's `stream`, into the message. While the stream goes on, the connection is asked
   * to let the rest of the message through, even past the stream window: the message is consumed only once it is
   * complete. A bad message (too large, compressed, a second one) is returned, not thrown, for the call to end with;
   * undefined when the bytes were taken.
   */
  takeData(data: Buffer, endStream: boolean, conn: H2Connection, stream: H2Stream): unknown {
    if (data.length === 0) return undefined;
    try {
      this.push(data);
    } catch (err) {
      return err;
    }
    if (!endStream) conn.want(stream, this.missing);
    return undefined;
  }

  /** The message once the stream ended; throws when it was cut short. */
  finish(): Uint8Array {
    this.check();
    if (this.body) return this.body;
    if (this.blocks) {
      const p = this.stored();
      if (!this.pooled) return p[0] ?? Buffer.alloc(0);
      // The caller keeps the message: it gets its own copy, the blocks go back at once.
      const joined = Buffer.concat(p, this.bodyLen);
      this.release();
      return joined;
    }
    const p = this.pieces;
    return p.length === 1 ? p[0] : Buffer.concat(p, this.bodyLen);
  }

  /**
   * The message as the pieces it arrived in (with a pool: as copied, in its blocks; release()
   * gives them back once the caller is done with them).
   */
  finishPieces(): Buffer[] {
    this.check();
    if (this.blocks) return this.stored();
    return this.body ? [this.body] : this.pieces;
  }

  private check(): void {
    if (this.headLen === 0) throw new ConnectError(`${this.what}: no message`, Code.Unimplemented);
    if (this.headLen < 5 || this.bodyLen !== this.expected) {
      throw new ConnectError(
        `${this.what}: truncated message (${this.headLen + this.bodyLen} of ${this.headLen < 5 ? "?" : this.expected + 5} bytes)`,
        Code.Internal,
      );
    }
  }
}

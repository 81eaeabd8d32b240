/** The client end of an HTTP/2 connection: opens odd-numbered streams and honours GOAWAY. */
import * as net from "node:net";
import { responseFieldsProblem, trailerFieldsProblem } from "./fields.js";
import { ConnectionError, ErrorCode } from "./frames.js";
import {
  H2Connection,
  type ConnectionOptions,
  type H2Stream,
  type HeaderField,
  type StreamHandler,
} from "./connection.js";

const MAX_STREAM_ID = 2 ** 31 - 1;

/**
 * What one socket read of a client connection can take: Node's own read size. 256 KiB (fewer
 * reads of a large response) measured no faster in bench:httpgrpc, for 4x the memory per connection.
 */
export const READ_BUFFER_BYTES = 64 * 1024;

interface Waiter {
  start(): void;
  /** The connection can never open the stream: nothing of the call was sent. */
  fail(err: Error): void;
}

export class H2ClientConnection extends H2Connection {
  private nextId = 1;
  private readonly waiting: Waiter[] = [];
  private closeError: Error | undefined;
  /** Called when the connection can open no more streams (closed, draining, or out of ids). */
  onSpent: () => void = () => {};

  constructor(socket: net.Socket, opts: ConnectionOptions) {
    super(socket, opts, false);
  }

  /**
   * Connects to host:port (TCP_NODELAY, TCP keep-alive after `keepAliveMs` idle; the socket does
   * not keep the process alive) and reads the socket into one buffer of `readBufferBytes`,
   * reused for every read. Node's own reads allocate a fresh 64 KiB buffer each: at 256 KiB
   * responses those allocations made V8 run a full GC every ~50 ms (a quarter of the httpgrpc
   * forwarder's CPU). The cost is one copy of what is kept, which the reader of a message makes
   * anyway (see SingleMessageReader's block pool).
   */
  static connect(
    host: string,
    port: number,
    opts: Omit<ConnectionOptions, "readBufferReused"> & { keepAliveMs: number; readBufferBytes?: number },
  ): H2ClientConnection {
    let conn: H2ClientConnection | undefined;
    const socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(opts.readBufferBytes ?? READ_BUFFER_BYTES),
        callback: (n: number, buf: Uint8Array) => {
          conn?.received(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true; // keep reading: flow control, not the socket, bounds what the peer sends
        },
      },
    });
    socket.setKeepAlive(true, opts.keepAliveMs);
    socket.unref();
    conn = new H2ClientConnection(socket, { ...opts, readBufferReused: true });
    return conn;
  }

  /**
   * Whether a new stream may be opened now: the handshake is complete (the server's SETTINGS may
   * limit concurrent streams, and streams over its limit would be refused), not closed, not
   * draining, under the limit.
   */
  get canOpen(): boolean {
    return (
      this.ready &&
      !this.closed &&
      !this.draining &&
      this.nextId <= MAX_STREAM_ID &&
      this.streams.size < this.peerMaxStreams
    );
  }

  /** Whether this connection can never open another stream. */
  get spent(): boolean {
    return this.closed || this.draining || this.nextId > MAX_STREAM_ID;
  }

  /**
   * Runs `start` once a stream can be opened (after the handshake, within the server's stream
   * limit), or `fail` if this connection ends first.
   */
  whenOpen(start: () => void, fail: (err: Error) => void): void {
    if (this.waiting.length === 0 && this.canOpen) {
      start();
      return;
    }
    this.waiting.push({ start, fail });
    this.serveWaiting();
  }

  private serveWaiting(): void {
    while (this.waiting.length > 0 && this.canOpen) this.waiting.shift()!.start();
    if (this.spent) {
      const why =
        this.closeError ?? new Error(this.draining ? "the server is going away (GOAWAY)" : "connection closed");
      for (const w of this.waiting.splice(0)) w.fail(why);
      this.onSpent();
    }
  }

  /** Opens a stream and sends its request headers. */
  open(handler: StreamHandler, headers: readonly HeaderField[], endStream: boolean): H2Stream {
    const s = this.newStream(this.nextId);
    this.nextId += 2;
    s.handler = handler;
    this.sendHeaders(s, headers, endStream);
    return s;
  }

  protected override isIdle(id: number): boolean {
    // Even ids would be the server's, which it can only reserve with PUSH_PROMISE (disabled).
    return id % 2 === 0 || id >= this.nextId;
  }

  protected override newPeerStreamId(id: number): void {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `HEADERS on stream ${id}, which the client never opened`);
  }

  protected onPeerStream(): void {
    // newPeerStreamId() has already refused every stream the server tries to open.
  }

  protected override expectContent(s: H2Stream, fields: readonly HeaderField[]): void {
    // A 304 declares the length of a representation it does not carry (RFC 9110 §8.6).
    if (fields[0]?.[1] !== "304") super.expectContent(s, fields);
  }

  protected override checkFields(s: H2Stream, fields: HeaderField[], endStream: boolean): string | null | undefined {
    if (s.headersSeen) {
      if (!endStream) return "trailers without END_STREAM";
      return trailerFieldsProblem(fields);
    }
    const problem = responseFieldsProblem(fields);
    if (problem) return problem;
    if (fields[0][1].startsWith("1")) return endStream ? "an interim (1xx) response with END_STREAM" : null;
    return undefined;
  }

  protected onGoaway(lastStreamId: number, code: number, debug: string): void {
    // Streams above lastStreamId were never processed: safe to retry elsewhere.
    for (const s of [...this.streams.values()]) {
      if (s.id <= lastStreamId) continue;
      this.remove(s);
      s.handler.onReset(
        ErrorCode.REFUSED_STREAM,
        new Error(`the server is going away (GOAWAY ${code}${debug ? `: ${debug}` : ""}) before processing the call`),
      );
    }
    this.serveWaiting();
  }

  protected override onReady(): void {
    this.serveWaiting();
  }

  protected override onStreamRemoved(): void {
    if (this.waiting.length > 0 || this.spent) this.serveWaiting();
  }

  protected override onClosed(err: Error): void {
    this.closeError = err;
    this.serveWaiting();
  }
}

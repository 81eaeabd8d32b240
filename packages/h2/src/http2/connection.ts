/**
 * One HTTP/2 connection (RFC 9113), the part both ends share: frames in and out, SETTINGS,
 * PING, GOAWAY, RST_STREAM, HPACK, and flow control in both directions.
 *
 * Receive windows reopen as DATA is consumed, not as it arrives: a stream's owner calls consume()
 * once it has handed the bytes on (a gRPC message to its handler), and bytes nobody will consume
 * (padding, frames of closed streams, the data of a stream that ends early) are released at once.
 * So a peer can make us hold at most a stream window per stream and the connection window (in
 * fact maxBufferedRecvBytes) per connection, whatever its handlers do.
 *
 * Why not node:http2: a gRPC call through it costs ~120 µs of client and ~75 µs of server CPU
 * in Node 20 (a Duplex stream, several events and AsyncResource.bind per call), which made the
 * httpgrpc forwarder slower than the HTTP/1.1 proxies it replaces. Unary gRPC needs a small,
 * fixed subset of HTTP/2; this serves it with one plain object per stream and one socket write
 * per event-loop turn for all streams.
 */
import type { Socket } from "node:net";
import {
  ConnectionError,
  DEFAULT_MAX_FRAME,
  DEFAULT_WINDOW,
  ErrorCode,
  Flag,
  FRAME_HEADER,
  FrameReader,
  frameHeader,
  FrameType,
  goawayFrame,
  MAX_WINDOW,
  pingFrame,
  HTTP2_PREFACE,
  rstStreamFrame,
  Setting,
  settingsFrame,
  unpad,
  windowUpdateFrame,
  writeFrameHeader,
  errorCodeName,
} from "./frames.js";
import { HeaderListTooLargeError, HpackDecoder, HpackEncoder, HpackError, type HeaderField } from "./hpack.js";
import { DEFAULT_LIMITS, TokenBucket, type H2Limits } from "./limits.js";
import { declaredContentLength } from "./fields.js";

export type { HeaderField };

/** A frame the peer sent that breaks a stream's rules: that stream ends with RST_STREAM `code`. */
export class StreamError extends Error {
  override name = "StreamError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How many closed stream ids are remembered, to tell late frames from protocol errors: a ring
 * indexed by id (one side's ids step by 2), so that closing a stream allocates nothing.
 */
const CLOSED_MEMORY = 1024;

export interface ConnectionOptions {
  /** Our receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE). */
  streamWindow: number;
  /** Our receive window for the whole connection. */
  connectionWindow: number;
  /** Our SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize: number;
  /** The largest header list accepted (SETTINGS_MAX_HEADER_LIST_SIZE). */
  maxHeaderListBytes: number;
  /** What the peer may make us hold or do; see H2Limits for each default. */
  limits?: Partial<H2Limits>;
  /**
   * The socket reads every chunk into one reused buffer (`onread`) and hands it to received()
   * instead of emitting 'data': what is kept beyond a chunk (a cut frame) is copied. Stream
   * handlers get views of that buffer in onData() too, valid only during the call as always.
   */
  readBufferReused?: boolean;
}

/** What a stream's owner hears from the peer. */
export interface StreamHandler {
  onHeaders(fields: HeaderField[], endStream: boolean): void;
  /**
   * `data` is only valid during the call. The window it took reopens once the owner calls
   * consume() for it (or the stream ends); want() lets a message larger than the window through.
   */
  onData(data: Buffer, endStream: boolean): void;
  /** The stream ended early: RST_STREAM from the peer, or the connection failed (`code` -1). */
  onReset(code: number, why: Error): void;
  /**
   * All the data of the last sendData() went to the connection (flow control let it through):
   * a streaming sender sends its next message now, so a stream holds at most one unsent message.
   */
  onSent?(): void;
}

/** §8.1.1: DATA that does not add up to the declared content-length makes the message malformed. */
function contentLengthError(s: H2Stream): StreamError {
  return new StreamError(
    ErrorCode.PROTOCOL_ERROR,
    `malformed message on stream ${s.id}: ${s.dataReceived}${s.remoteEnded ? "" : "+"} bytes of DATA against content-length ${s.contentLength}`,
  );
}

const IGNORE: StreamHandler = { onHeaders() {}, onData() {}, onReset() {} };

export class H2Stream {
  handler: StreamHandler = IGNORE;
  sendWindow: number;
  /** What the peer may still send on this stream (its view of our stream window). */
  recvWindow = 0;
  /** Bytes consumed (or padding) not yet given back to the stream window. */
  recvConsumed = 0;
  /** DATA bytes received and not consumed yet (counted against maxBufferedRecvBytes). */
  recvHeld = 0;
  localEnded = false;
  remoteEnded = false;
  /** The peer's first header block (request or response headers) arrived. */
  headersSeen = false;
  /** The content-length the peer declared (§8.1.1), or -1; DATA must add up to it exactly. */
  contentLength = -1;
  /** DATA payload received (padding excluded), for the content-length check. */
  dataReceived = 0;
  /** We ended it with RST_STREAM: late frames from the peer are expected and dropped. */
  resetByUs = false;
  /** Bytes of `out` not sent yet. */
  outLeft = 0;
  // Data waiting for flow-control window (pieces, the current one and the offset in it), then
  // optional trailers.
  out: readonly Buffer[] | undefined;
  outIdx = 0;
  outOff = 0;
  outEnd = false;
  outTrailers: readonly HeaderField[] | undefined;

  constructor(
    readonly id: number,
    sendWindow: number,
  ) {
    this.sendWindow = sendWindow;
  }
}

export abstract class H2Connection {
  readonly streams = new Map<number, H2Stream>();
  /** Set once the connection is gone; no stream can be opened or written. */
  closed = false;
  /** The peer's first SETTINGS arrived (the handshake is complete). */
  ready = false;
  /** A GOAWAY was sent or received: no new streams. */
  draining = false;
  protected peerMaxStreams = Infinity;
  protected readonly limits: H2Limits;
  /** Closed stream ids by slot ((id >> 1) % CLOSED_MEMORY), and whether we reset each (1) or not (0). */
  private readonly closedIds = new Int32Array(CLOSED_MEMORY);
  private readonly closedResetByUs = new Uint8Array(CLOSED_MEMORY);
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private peerInitialWindow = DEFAULT_WINDOW;
  private connSendWindow = DEFAULT_WINDOW;
  /** Our connection window (HTTP/2 starts every connection at 65,535; we only ever widen it). */
  private readonly connRecvSize: number;
  /** What the peer may still send on the connection. */
  private connRecvWindow: number;
  /** Bytes consumed or dropped, not yet given back to the connection window. */
  private recvReleased = 0;
  /** The most DATA held unconsumed on the connection: maxBufferedRecvBytes, under the window. */
  private readonly recvHeldCap: number;
  /** Our SETTINGS frames the peer has not acknowledged yet. */
  private settingsUnacked = 0;
  private settingsAckTimer: NodeJS.Timeout | undefined;
  private readonly encoder = new HpackEncoder();
  private readonly decoder = new HpackDecoder();
  private readonly reader: FrameReader;
  private prefaceLeft: number;
  private headerBlock:
    | { streamId: number; endStream: boolean; parts: Buffer[]; length: number; frames: number; selfDependent: boolean }
    | undefined;
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private readonly blocked = new Set<H2Stream>();
  private readonly resetBucket: TokenBucket;
  private readonly pingBucket: TokenBucket;
  private readonly settingsBucket: TokenBucket;
  private readonly emptyBucket: TokenBucket;
  /** Control frames handed to the socket (or queued for it) since it last had nothing buffered. */
  private controlQueued = 0;
  /** Response bytes waiting in streams' `out`, summed. */
  private pendingSend = 0;
  /** DATA bytes held for incomplete messages, summed over streams. */
  private recvHeld = 0;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    protected readonly socket: Socket,
    protected readonly opts: ConnectionOptions,
    isServer: boolean,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...(isServer ? {} : { idleTimeoutMs: 0 }), ...opts.limits };
    this.resetBucket = new TokenBucket(this.limits.resets);
    this.pingBucket = new TokenBucket(this.limits.pings);
    this.settingsBucket = new TokenBucket(this.limits.settings);
    this.emptyBucket = new TokenBucket(this.limits.emptyFrames);
    this.connRecvSize = Math.max(DEFAULT_WINDOW, opts.connectionWindow);
    this.connRecvWindow = this.connRecvSize;
    this.recvHeldCap = Math.min(this.limits.maxBufferedRecvBytes, Math.floor((this.connRecvSize * 3) / 4));
    this.prefaceLeft = isServer ? HTTP2_PREFACE.length : 0;
    this.reader = new FrameReader(opts.maxFrameSize, (t, f, s, p) => this.onFrame(t, f, s, p), opts.readBufferReused);
    socket.on("data", (chunk: Buffer) => this.received(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed")));
    socket.on("drain", () => {
      this.controlQueued = 0;
      this.pumpBlocked();
    });
    if (!isServer) this.write(HTTP2_PREFACE);
    const settings: [number, number][] = [
      [Setting.INITIAL_WINDOW_SIZE, opts.streamWindow],
      [Setting.MAX_FRAME_SIZE, opts.maxFrameSize],
      [Setting.MAX_HEADER_LIST_SIZE, opts.maxHeaderListBytes],
    ];
    if (isServer) settings.push([Setting.MAX_CONCURRENT_STREAMS, this.limits.maxConcurrentStreams]);
    else settings.push([Setting.ENABLE_PUSH, 0]);
    this.write(settingsFrame(settings));
    this.settingsUnacked = 1;
    if (this.limits.settingsAckTimeoutMs > 0) {
      this.settingsAckTimer = setTimeout(() => {
        this.connectionError(
          new ConnectionError(
            ErrorCode.SETTINGS_TIMEOUT,
            `our SETTINGS were not acknowledged within ${this.limits.settingsAckTimeoutMs} ms`,
          ),
        );
      }, this.limits.settingsAckTimeoutMs);
      this.settingsAckTimer.unref();
    }
    if (this.connRecvSize > DEFAULT_WINDOW) this.write(windowUpdateFrame(0, this.connRecvSize - DEFAULT_WINDOW));
    if (this.limits.handshakeTimeoutMs > 0) {
      this.handshakeTimer = setTimeout(() => {
        const what = this.prefaceLeft > 0 ? "the connection preface" : "the first SETTINGS";
        this.connectionError(
          new ConnectionError(
            ErrorCode.SETTINGS_TIMEOUT,
            `${what} did not arrive within ${this.limits.handshakeTimeoutMs} ms`,
          ),
        );
      }, this.limits.handshakeTimeoutMs);
      this.handshakeTimer.unref();
    }
  }

  /** DATA bytes received and not consumed yet, summed over streams (at most maxBufferedRecvBytes). */
  get bufferedRecvBytes(): number {
    return this.recvHeld;
  }

  /** The largest number of CONTINUATION frames accepted after one HEADERS frame. */
  private get maxContinuationFrames(): number {
    return (
      this.limits.maxContinuationFrames ??
      Math.max(32, Math.ceil((2 * this.opts.maxHeaderListBytes) / DEFAULT_MAX_FRAME) + 1)
    );
  }

  /**
   * (Re)arms the idle timer when no stream is open. One timer per connection, refreshed rather
   * than cleared and made again: a busy connection goes idle between most calls.
   */
  private armIdle(): void {
    if (this.limits.idleTimeoutMs <= 0 || this.closed || this.streams.size > 0) return;
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        // Fired while streams are open: the next armIdle (when the last one closes) starts over.
        if (this.streams.size > 0 || this.closed) return;
        this.goaway(ErrorCode.NO_ERROR, `idle for ${this.limits.idleTimeoutMs} ms`);
      }, this.limits.idleTimeoutMs);
      this.idleTimer.unref();
    }
  }

  /** A new stream from the peer (server side). */
  protected abstract onPeerStream(id: number, fields: HeaderField[], endStream: boolean): void;
  protected abstract onGoaway(lastStreamId: number, code: number, debug: string): void;
  /** The peer's first SETTINGS arrived. */
  protected onReady(): void {}
  /** The connection is gone; every open stream was told. */
  protected onClosed(_err: Error): void {}

  // ---- writing ----

  protected write(b: Buffer): void {
    if (this.closed) return;
    this.out.push(b);
    this.outBytes += b.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // One socket write per event-loop turn, for every frame of every stream produced in it.
      setImmediate(this.flush);
    }
  }

  /**
   * Writes a control frame: these answer what the peer sends, so a peer that sends without
   * reading could make us queue them without end. Past maxQueuedControlFrames it is cut off.
   */
  protected writeControl(b: Buffer): void {
    if (this.closed) return;
    if (++this.controlQueued > this.limits.maxQueuedControlFrames) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `over ${this.limits.maxQueuedControlFrames} control frames queued: the peer does not read`,
      );
    }
    this.out.push(b);
    this.outBytes += b.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // One socket write per event-loop turn, for every frame of every stream produced in it.
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const out = this.out;
    const bytes = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    if (this.closed || out.length === 0) return;
    if (out.length === 1) this.socket.write(out[0]);
    else if (bytes <= 64 * 1024) this.socket.write(Buffer.concat(out, bytes));
    else {
      this.socket.cork();
      for (const b of out) this.socket.write(b);
      this.socket.uncork();
    }
    if (this.socket.writableLength === 0) this.controlQueued = 0;
    // Streams that stopped at the high-water mark go on now if the socket took it all, else on 'drain'.
    if (!this.socket.writableNeedDrain) this.pumpBlocked();
  };

  /** Whether DATA should wait: the socket is backed up past writeHighWaterBytes. */
  private get writeBlocked(): boolean {
    return this.outBytes + this.socket.writableLength >= this.limits.writeHighWaterBytes;
  }

  private pumpBlocked(): void {
    if (this.closed || this.blocked.size === 0) return;
    for (const s of [...this.blocked]) {
      if (this.writeBlocked) return;
      this.pump(s);
    }
  }

  /** Sends a header block (HEADERS, then CONTINUATION frames if it exceeds the peer's frame size). */
  sendHeaders(s: H2Stream, fields: readonly HeaderField[], endStream: boolean): void {
    if (this.closed || s.localEnded) return;
    const block = this.encoder.encode(fields);
    const max = this.peerMaxFrame;
    const end = endStream ? Flag.END_STREAM : 0;
    let off = 0;
    do {
      const n = Math.min(max, block.length - off);
      const flags = (off === 0 ? end : 0) | (off + n >= block.length ? Flag.END_HEADERS : 0);
      // Head and block in one buffer: small frames go out in one piece of the turn's write.
      const f = Buffer.allocUnsafe(FRAME_HEADER + n);
      writeFrameHeader(f, 0, n, off === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, s.id);
      block.copy(f, FRAME_HEADER, off, off + n);
      this.write(f);
      off += n;
    } while (off < block.length);
    if (endStream) this.endLocal(s);
  }

  /**
   * Sends `data` (one buffer, or pieces sent back to back) as DATA frames within the
   * flow-control windows, then trailers or END_STREAM. The buffers are written as they are: the
   * caller must not change them afterwards.
   */
  sendData(s: H2Stream, data: Buffer | readonly Buffer[], endStream: boolean, trailers?: readonly HeaderField[]): void {
    if (this.closed || s.localEnded) return;
    s.out = Array.isArray(data) ? data : [data as Buffer];
    s.outIdx = 0;
    s.outOff = 0;
    let n = 0;
    for (const b of s.out) n += b.length;
    s.outLeft = n;
    this.pendingSend += n;
    s.outEnd = endStream || trailers !== undefined;
    s.outTrailers = trailers;
    this.pump(s);
  }

  /** Whether the connection holds so many unsent response bytes that new streams are refused. */
  protected get sendBacklogged(): boolean {
    return this.pendingSend > this.limits.maxPendingSendBytes;
  }

  private pump(s: H2Stream): void {
    const out = s.out;
    if (!out) return;
    let left = s.outLeft;
    while (true) {
      const n = Math.min(left, this.connSendWindow, s.sendWindow, this.peerMaxFrame);
      if ((n <= 0 && left > 0) || (left > 0 && this.writeBlocked)) {
        this.blocked.add(s);
        return;
      }
      const last = n === left;
      const flags = last && s.outEnd && !s.outTrailers ? Flag.END_STREAM : 0;
      if (n > 0 || flags) {
        this.write(frameHeader(n, FrameType.DATA, flags, s.id));
        // The frame's payload: views of the pieces, no copy.
        for (let need = n; need > 0; ) {
          const piece = out[s.outIdx];
          const take = Math.min(need, piece.length - s.outOff);
          this.write(take === piece.length ? piece : piece.subarray(s.outOff, s.outOff + take));
          need -= take;
          s.outOff += take;
          if (s.outOff === piece.length) {
            s.outIdx++;
            s.outOff = 0;
          }
        }
        left -= n;
        s.outLeft -= n;
        this.pendingSend -= n;
        this.connSendWindow -= n;
        s.sendWindow -= n;
      }
      if (last) break;
    }
    this.blocked.delete(s);
    const trailers = s.outTrailers;
    const end = s.outEnd;
    s.out = undefined;
    s.outTrailers = undefined;
    if (trailers) this.sendHeaders(s, trailers, true);
    else if (end) this.endLocal(s);
    else s.handler.onSent?.();
  }

  /** Ends a stream with RST_STREAM. */
  reset(s: H2Stream, code: number): void {
    if (this.streams.get(s.id) !== s) return;
    s.resetByUs = true;
    this.write(rstStreamFrame(s.id, code));
    this.remove(s);
  }

  /** Sends GOAWAY: the peer opens no new streams; the connection ends once the open ones finish. */
  goaway(code: number = ErrorCode.NO_ERROR, debug = ""): void {
    if (this.closed || this.draining) return;
    this.draining = true;
    this.write(goawayFrame(this.lastPeerStreamId(), code, debug));
    this.endIfIdle();
  }

  /** Closes the socket at once; open streams fail. */
  destroy(err: Error = new Error("connection destroyed")): void {
    this.fail(err);
  }

  protected lastPeerStreamId(): number {
    return 0;
  }

  private endLocal(s: H2Stream): void {
    s.localEnded = true;
    if (s.remoteEnded) this.remove(s);
  }

  protected remove(s: H2Stream): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    this.remember(s.id, s.resetByUs);
    this.blocked.delete(s);
    this.pendingSend -= s.outLeft;
    s.outLeft = 0;
    s.out = undefined;
    // What the stream held unconsumed is dropped with it: the connection window gets it back.
    if (s.recvHeld > 0) {
      this.recvHeld -= s.recvHeld;
      this.recvReleased += s.recvHeld;
      s.recvHeld = 0;
      this.returnConnectionWindow();
    }
    this.onStreamRemoved();
    this.endIfIdle();
    this.armIdle();
  }

  /** A slot for a new stream opened. */
  protected onStreamRemoved(): void {}

  private endIfIdle(): void {
    if (this.draining && this.streams.size === 0 && !this.closed) {
      this.flush();
      this.socket.end();
    }
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.out = [];
    this.socket.destroy();
    const open = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    for (const s of open) s.handler.onReset(-1, err);
    this.onClosed(err);
  }

  private clearTimers(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.settingsAckTimer) clearTimeout(this.settingsAckTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  // ---- receive windows ----

  /**
   * The owner of `s` consumed `n` bytes of its DATA (handed them on): the stream and connection
   * windows reopen by them. Bytes of a stream already gone were released when it ended.
   */
  consume(s: H2Stream, n: number): void {
    if (this.closed || this.streams.get(s.id) !== s) return;
    n = Math.min(n, s.recvHeld);
    if (n <= 0) return;
    s.recvHeld -= n;
    this.recvHeld -= n;
    this.recvReleased += n;
    s.recvConsumed += n;
    // After END_STREAM the peer sends no more DATA on it: no stream window to give back.
    if (!s.remoteEnded && s.recvConsumed >= this.opts.streamWindow / 2) {
      this.write(windowUpdateFrame(s.id, s.recvConsumed));
      s.recvWindow += s.recvConsumed;
      s.recvConsumed = 0;
    }
    this.returnConnectionWindow();
  }

  /**
   * The owner of `s` must take `n` more bytes before it can consume any (the rest of a message
   * whose size it has accepted): the stream window is widened to let them through, else a message
   * larger than the window would wait for ever. The owner bounds `n` (the message size limit).
   */
  want(s: H2Stream, n: number): void {
    if (n <= s.recvWindow || s.remoteEnded || this.closed || this.streams.get(s.id) !== s) return;
    this.write(windowUpdateFrame(s.id, n - s.recvWindow));
    s.recvWindow = n;
  }

  /**
   * Gives released bytes back to the peer's connection window once it has less than half of it
   * left. The held bytes stay under recvHeldCap (3/4 of the window), so the peer always has room
   * to finish the messages it started: no deadlock, whatever it interleaves.
   */
  private returnConnectionWindow(): void {
    const n = this.recvReleased;
    if (n === 0 || this.closed || this.connRecvWindow >= this.connRecvSize / 2) return;
    this.recvReleased = 0;
    this.connRecvWindow += n;
    this.write(windowUpdateFrame(0, n));
  }

  /**
   * A protocol violation by the peer: GOAWAY with its code, the streams fail, and the socket is
   * half-closed. What the peer still sends is read and dropped (closing with unread input would
   * send a TCP reset that can destroy the GOAWAY before the peer reads it), for closeGraceMs.
   */
  private connectionError(e: ConnectionError): void {
    if (this.closed) return;
    const err = new Error(`HTTP/2 connection error ${errorCodeName(e.code)}: ${e.message}`);
    this.out.push(goawayFrame(this.lastPeerStreamId(), e.code, e.message));
    this.outBytes += this.out[this.out.length - 1].length;
    this.flush();
    this.closed = true;
    this.clearTimers();
    this.out = [];
    this.socket.end();
    setTimeout(() => this.socket.destroy(), this.limits.closeGraceMs).unref();
    const open = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    for (const s of open) s.handler.onReset(-1, err);
    this.onClosed(err);
  }

  // ---- reading ----

  /** Bytes from the socket. */
  protected received(chunk: Buffer): void {
    if (this.closed) return; // after a GOAWAY for an error: read and dropped
    try {
      if (this.prefaceLeft > 0) {
        const n = Math.min(this.prefaceLeft, chunk.length);
        const at = HTTP2_PREFACE.length - this.prefaceLeft;
        if (!chunk.subarray(0, n).equals(HTTP2_PREFACE.subarray(at, at + n))) {
          throw new ConnectionError(
            ErrorCode.PROTOCOL_ERROR,
            "not an HTTP/2 client preface (is the client speaking HTTP/1.1 or TLS?)",
          );
        }
        this.prefaceLeft -= n;
        chunk = chunk.subarray(n);
        if (chunk.length === 0) return;
      } else if (!this.ready && chunk.length >= 5 && chunk.toString("latin1", 0, 5) === "HTTP/") {
        throw new ConnectionError(
          ErrorCode.PROTOCOL_ERROR,
          `the server answered in ${chunk.toString("latin1", 0, 8)}: it does not speak HTTP/2 with prior knowledge (h2c)`,
        );
      }
      this.reader.push(chunk);
    } catch (err) {
      if (err instanceof ConnectionError) this.connectionError(err);
      else this.fail(err as Error);
    }
  }

  /** Ends a stream for a stream error: RST_STREAM with its code, and the handler hears of it. */
  private streamError(streamId: number, e: StreamError): void {
    const s = this.streams.get(streamId);
    if (s) {
      this.reset(s, e.code);
      s.handler.onReset(e.code, e);
    } else {
      this.write(rstStreamFrame(streamId, e.code)); // counted by the caller
      this.remember(streamId);
    }
  }

  /** Remembers a closed stream id (one that never got a stream object counts as reset by us). */
  protected remember(streamId: number, resetByUs = true): void {
    const slot = (streamId >>> 1) % CLOSED_MEMORY;
    this.closedIds[slot] = streamId;
    this.closedResetByUs[slot] = resetByUs ? 1 : 0;
  }

  /** How a recently closed stream ended: true when we reset it, false otherwise, undefined if forgotten. */
  protected closedByReset(streamId: number): boolean | undefined {
    const slot = (streamId >>> 1) % CLOSED_MEMORY;
    return this.closedIds[slot] === streamId ? this.closedResetByUs[slot] === 1 : undefined;
  }

  /**
   * Whether a stream id not open now is idle (never used): frames other than HEADERS and
   * PRIORITY on it are a connection error.
   */
  protected abstract isIdle(streamId: number): boolean;

  private countControl(): void {
    if (++this.controlQueued > this.limits.maxQueuedControlFrames) {
      throw new ConnectionError(
        ErrorCode.ENHANCE_YOUR_CALM,
        `over ${this.limits.maxQueuedControlFrames} control frames queued: the peer does not read`,
      );
    }
  }

  private calm(bucket: TokenBucket, what: string): void {
    if (!bucket.take()) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `too many ${what}`);
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.closed) return;
    if (this.headerBlock && type !== FrameType.CONTINUATION)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block was interrupted by another frame");
    if (!this.ready && type !== FrameType.SETTINGS)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "the first frame was not SETTINGS");
    try {
      this.dispatch(type, flags, streamId, payload);
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      this.countControl();
      this.streamError(streamId, err);
    }
  }

  private dispatch(type: number, flags: number, streamId: number, payload: Buffer): void {
    switch (type) {
      case FrameType.DATA:
        this.onDataFrame(flags, streamId, payload);
        return;
      case FrameType.HEADERS: {
        if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
        const block = unpad(type, flags, payload);
        const endStream = (flags & Flag.END_STREAM) !== 0;
        // §5.3.1: a stream cannot depend on itself.
        const selfDependent =
          (flags & Flag.PRIORITY) !== 0 &&
          (payload.readUInt32BE(flags & Flag.PADDED ? 1 : 0) & 0x7fffffff) === streamId;
        if (flags & Flag.END_HEADERS) {
          this.onHeaderBlock(streamId, endStream, block, selfDependent);
          return;
        }
        this.headerBlock = {
          streamId,
          endStream,
          parts: [Buffer.from(block)],
          length: block.length,
          frames: 0,
          selfDependent,
        };
        return;
      }
      case FrameType.CONTINUATION: {
        const hb = this.headerBlock;
        if (!hb || hb.streamId !== streamId)
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without a header block to continue");
        // CONTINUATION flood (CVE-2024-27316): frames are counted, not only bytes, so empty
        // frames cannot keep a block open for ever.
        if (++hb.frames > this.maxContinuationFrames) {
          throw new ConnectionError(
            ErrorCode.ENHANCE_YOUR_CALM,
            `over ${this.maxContinuationFrames} CONTINUATION frames in one header block`,
          );
        }
        hb.parts.push(Buffer.from(payload));
        hb.length += payload.length;
        // HPACK can shrink a list but not by much: a block this large cannot fit the list limit.
        if (hb.length > 2 * this.opts.maxHeaderListBytes + 65536)
          throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `a header block over ${hb.length} bytes`);
        if (flags & Flag.END_HEADERS) {
          this.headerBlock = undefined;
          this.onHeaderBlock(streamId, hb.endStream, Buffer.concat(hb.parts, hb.length), hb.selfDependent);
        }
        return;
      }
      case FrameType.PRIORITY:
        // Priorities are ignored, but the frame's rules hold (§6.3, §5.3.1).
        if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
        if (payload.length !== 5) throw new StreamError(ErrorCode.FRAME_SIZE_ERROR, "PRIORITY of the wrong size");
        this.calm(this.emptyBucket, "frames that carry nothing (PRIORITY)");
        if ((payload.readUInt32BE(0) & 0x7fffffff) === streamId)
          throw new StreamError(ErrorCode.PROTOCOL_ERROR, `stream ${streamId} depends on itself`);
        return;
      case FrameType.RST_STREAM: {
        if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM of the wrong size");
        if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
        // Rapid reset (CVE-2023-44487): resets are rate limited.
        this.calm(this.resetBucket, "RST_STREAM frames (rapid reset)");
        const s = this.streams.get(streamId);
        if (!s) {
          if (this.isIdle(streamId))
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${streamId}`);
          return; // a stream already closed: allowed (§5.1)
        }
        const code = payload.readUInt32BE(0);
        this.remove(s);
        s.handler.onReset(code, new Error(`stream reset by the peer with ${errorCodeName(code)}`));
        return;
      }
      case FrameType.SETTINGS:
        this.onSettings(flags, streamId, payload);
        return;
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0");
      case FrameType.PING:
        if (payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING of the wrong size");
        if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
        if (flags & Flag.ACK) return;
        this.calm(this.pingBucket, "PING frames");
        this.writeControl(pingFrame(payload, true));
        return;
      case FrameType.GOAWAY: {
        if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
        if (payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY too short");
        this.draining = true;
        this.onGoaway(
          payload.readUInt32BE(0) & 0x7fffffff,
          payload.readUInt32BE(4),
          payload.toString("utf8", 8, Math.min(payload.length, 8 + 1024)),
        );
        this.endIfIdle();
        return;
      }
      case FrameType.WINDOW_UPDATE:
        this.onWindowUpdate(streamId, payload);
        return;
      default:
        // Unknown frame types are ignored (§5.5), within the budget of frames that carry nothing.
        this.calm(this.emptyBucket, "frames that carry nothing (unknown types)");
        return;
    }
  }

  private onDataFrame(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    // Flow control counts the whole payload, padding included. It is released (given back once
    // the peer used half the window) unless a stream takes it, and then once its owner consumes it.
    this.connRecvWindow -= payload.length;
    if (this.connRecvWindow < 0)
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "the peer overran the connection window");
    this.recvReleased += payload.length;
    try {
      this.streamData(flags, streamId, payload);
    } finally {
      this.returnConnectionWindow();
    }
  }

  private streamData(flags: number, streamId: number, payload: Buffer): void {
    const data = unpad(FrameType.DATA, flags, payload);
    const end = (flags & Flag.END_STREAM) !== 0;
    if (payload.length === 0 && !end) this.calm(this.emptyBucket, "empty DATA frames");
    const s = this.streams.get(streamId);
    if (!s) {
      if (this.isIdle(streamId)) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `DATA on idle stream ${streamId}`);
      // Late DATA of a stream we reset is dropped; after the peer's END_STREAM it is an error (§5.1).
      if (this.closedByReset(streamId) === true) return;
      throw new StreamError(ErrorCode.STREAM_CLOSED, `DATA on closed stream ${streamId}`);
    }
    if (s.remoteEnded) throw new StreamError(ErrorCode.STREAM_CLOSED, `DATA after END_STREAM on stream ${streamId}`);
    if (!s.headersSeen) throw new StreamError(ErrorCode.PROTOCOL_ERROR, `DATA before HEADERS on stream ${streamId}`);
    s.dataReceived += data.length;
    if (s.contentLength >= 0 && (s.dataReceived > s.contentLength || (end && s.dataReceived !== s.contentLength)))
      throw contentLengthError(s);
    s.recvWindow -= payload.length;
    if (s.recvWindow < 0) throw new StreamError(ErrorCode.FLOW_CONTROL_ERROR, "the peer overran the stream window");
    // Padding is consumed here: no owner ever sees it.
    s.recvConsumed += payload.length - data.length;
    this.recvReleased -= data.length;
    s.recvHeld += data.length;
    this.recvHeld += data.length;
    if (end) s.remoteEnded = true;
    // A complete message is consumed next; an incomplete one may have to give way (see recvHeldCap).
    else if (this.recvHeld > this.recvHeldCap) {
      throw new StreamError(
        ErrorCode.REFUSED_STREAM,
        `over ${this.recvHeldCap} bytes of incomplete messages buffered on the connection`,
      );
    }
    s.handler.onData(data, end);
    if (end && s.localEnded) this.remove(s);
  }

  private onHeaderBlock(streamId: number, endStream: boolean, block: Buffer, selfDependent: boolean): void {
    let fields: HeaderField[];
    try {
      fields = this.decoder.decode(block, this.opts.maxHeaderListBytes);
    } catch (err) {
      if (err instanceof HpackError) throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, err.message);
      if (!(err instanceof HeaderListTooLargeError)) throw err;
      // The table stayed in sync: only this stream fails.
      if (!this.streams.has(streamId) && !this.isIdle(streamId)) return;
      if (!this.streams.has(streamId)) this.newPeerStreamId(streamId);
      throw new StreamError(ErrorCode.ENHANCE_YOUR_CALM, err.message);
    }
    const s = this.streams.get(streamId);
    if (!s) {
      if (this.isIdle(streamId)) {
        // A new stream: the id and the request's validity are checked by the server end.
        this.newPeerStreamId(streamId);
        if (selfDependent) throw new StreamError(ErrorCode.PROTOCOL_ERROR, `stream ${streamId} depends on itself`);
        this.onPeerStream(streamId, fields, endStream);
        return;
      }
      const resetByUs = this.closedByReset(streamId);
      if (resetByUs === true) return; // late headers of a stream we reset
      if (resetByUs === false)
        throw new ConnectionError(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${streamId}`);
      throw new ConnectionError(
        ErrorCode.PROTOCOL_ERROR,
        `HEADERS on stream ${streamId}, not above the last stream id`,
      );
    }
    if (selfDependent) throw new StreamError(ErrorCode.PROTOCOL_ERROR, `stream ${streamId} depends on itself`);
    if (s.remoteEnded) throw new StreamError(ErrorCode.STREAM_CLOSED, `HEADERS after END_STREAM on stream ${streamId}`);
    const problem = this.checkFields(s, fields, endStream);
    if (problem === null) return; // an interim (1xx) response
    if (problem)
      throw new StreamError(ErrorCode.PROTOCOL_ERROR, `malformed header block on stream ${streamId}: ${problem}`);
    if (!s.headersSeen) this.expectContent(s, fields);
    if (endStream && s.contentLength >= 0 && s.dataReceived !== s.contentLength) throw contentLengthError(s);
    s.headersSeen = true;
    if (endStream) s.remoteEnded = true;
    s.handler.onHeaders(fields, endStream);
    if (endStream && s.localEnded) this.remove(s);
  }

  /**
   * Checks a header block the peer sent on an open stream (§8.1): a problem, undefined when
   * fine, null for an interim response to skip.
   */
  protected abstract checkFields(s: H2Stream, fields: HeaderField[], endStream: boolean): string | null | undefined;

  /**
   * Takes the content-length of the peer's first header block on `s` (§8.1.1); one that is not a
   * number is malformed. The client end skips responses that carry none (304).
   */
  protected expectContent(s: H2Stream, fields: readonly HeaderField[]): void {
    const n = declaredContentLength(fields);
    if (n === undefined) return;
    if (Number.isNaN(n))
      throw new StreamError(ErrorCode.PROTOCOL_ERROR, `malformed header block on stream ${s.id}: a bad content-length`);
    s.contentLength = n;
  }

  /** Records a new peer-initiated stream id (before its stream object exists). */
  protected newPeerStreamId(_id: number): void {}

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & Flag.ACK) {
      if (payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      if (this.settingsUnacked === 0)
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a SETTINGS ACK without SETTINGS to acknowledge");
      if (--this.settingsUnacked === 0 && this.settingsAckTimer) clearTimeout(this.settingsAckTimer);
      return;
    }
    if (payload.length % 6 !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS of the wrong size");
    this.calm(this.settingsBucket, "SETTINGS frames");
    for (let off = 0; off < payload.length; off += 6) {
      const id = payload.readUInt16BE(off);
      const value = payload.readUInt32BE(off + 2);
      switch (id) {
        case Setting.HEADER_TABLE_SIZE:
          this.encoder.setPeerMaxTableSize(value);
          break;
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH above 1");
          break;
        case Setting.MAX_CONCURRENT_STREAMS:
          this.peerMaxStreams = value;
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW)
            throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          for (const s of this.streams.values()) {
            s.sendWindow += delta;
            if (s.sendWindow > MAX_WINDOW)
              throw new ConnectionError(
                ErrorCode.FLOW_CONTROL_ERROR,
                `SETTINGS_INITIAL_WINDOW_SIZE takes stream ${s.id}'s window above 2^31-1`,
              );
          }
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME || value > 0xffffff)
            throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
          this.peerMaxFrame = value;
          break;
        default:
          break; // MAX_HEADER_LIST_SIZE is advisory; unknown settings are ignored
      }
    }
    this.writeControl(frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0));
    for (const s of [...this.blocked]) this.pump(s);
    if (!this.ready) {
      this.ready = true;
      if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
      this.armIdle();
      this.onReady();
    }
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE of the wrong size");
    const inc = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (inc === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection");
      this.connSendWindow += inc;
      if (this.connSendWindow > MAX_WINDOW)
        throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
      for (const s of [...this.blocked]) this.pump(s);
      return;
    }
    const s = this.streams.get(streamId);
    if (!s) {
      if (this.isIdle(streamId))
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${streamId}`);
      return; // a closed stream: allowed (§5.1)
    }
    if (inc === 0) throw new StreamError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    if (s.sendWindow + inc > MAX_WINDOW)
      throw new StreamError(ErrorCode.FLOW_CONTROL_ERROR, "WINDOW_UPDATE takes the stream window above 2^31-1");
    s.sendWindow += inc;
    if (this.blocked.has(s)) this.pump(s);
  }

  /** Opens a stream object with the peer's initial window (the caller sends its HEADERS). */
  protected newStream(id: number): H2Stream {
    const s = new H2Stream(id, this.peerInitialWindow);
    s.recvWindow = this.opts.streamWindow;
    this.streams.set(id, s);
    // The idle timer keeps running: when it fires, open streams make it do nothing.
    return s;
  }
}

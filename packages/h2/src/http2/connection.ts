/**
 * One HTTP/2 connection (RFC 9113), the part both ends share: frames in and out, SETTINGS,
 * PING, GOAWAY, RST_STREAM, HPACK, and flow control in both directions.
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
  PREFACE,
  rstStreamFrame,
  Setting,
  settingsFrame,
  unpad,
  windowUpdateFrame,
  writeFrameHeader,
  errorCodeName,
} from "./frames.js";
import { HeaderListTooLargeError, HpackDecoder, HpackEncoder, HpackError, type HeaderField } from "./hpack.js";

export type { HeaderField };

export interface ConnectionOptions {
  /** Our receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE). */
  streamWindow: number;
  /** Our receive window for the whole connection. */
  connectionWindow: number;
  /** Our SETTINGS_MAX_FRAME_SIZE. */
  maxFrameSize: number;
  /** The largest header list accepted (SETTINGS_MAX_HEADER_LIST_SIZE). */
  maxHeaderListBytes: number;
}

/** What a stream's owner hears from the peer. */
export interface StreamHandler {
  onHeaders(fields: HeaderField[], endStream: boolean): void;
  /** `data` is only valid during the call. */
  onData(data: Buffer, endStream: boolean): void;
  /** The stream ended early: RST_STREAM from the peer, or the connection failed (`code` -1). */
  onReset(code: number, why: Error): void;
}

const IGNORE: StreamHandler = { onHeaders() {}, onData() {}, onReset() {} };

export class H2Stream {
  handler: StreamHandler = IGNORE;
  sendWindow: number;
  recvUnacked = 0;
  localEnded = false;
  remoteEnded = false;
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
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private peerInitialWindow = DEFAULT_WINDOW;
  private connSendWindow = DEFAULT_WINDOW;
  private connRecvUnacked = 0;
  private readonly encoder = new HpackEncoder();
  private readonly decoder = new HpackDecoder();
  private readonly reader: FrameReader;
  private prefaceLeft: number;
  private headerBlock: { streamId: number; endStream: boolean; parts: Buffer[]; length: number } | undefined;
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private readonly blocked = new Set<H2Stream>();

  constructor(
    protected readonly socket: Socket,
    protected readonly opts: ConnectionOptions,
    isServer: boolean,
  ) {
    this.prefaceLeft = isServer ? PREFACE.length : 0;
    this.reader = new FrameReader(opts.maxFrameSize, (t, f, s, p) => this.onFrame(t, f, s, p));
    socket.on("data", (chunk: Buffer) => this.onSocketData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed")));
    if (!isServer) this.write(PREFACE);
    const settings: [number, number][] = [
      [Setting.INITIAL_WINDOW_SIZE, opts.streamWindow],
      [Setting.MAX_FRAME_SIZE, opts.maxFrameSize],
      [Setting.MAX_HEADER_LIST_SIZE, opts.maxHeaderListBytes],
    ];
    if (!isServer) settings.push([Setting.ENABLE_PUSH, 0]);
    this.write(settingsFrame(settings));
    if (opts.connectionWindow > DEFAULT_WINDOW) this.write(windowUpdateFrame(0, opts.connectionWindow - DEFAULT_WINDOW));
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
  };

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
    s.outEnd = endStream || trailers !== undefined;
    s.outTrailers = trailers;
    this.pump(s);
  }

  private pump(s: H2Stream): void {
    const out = s.out;
    if (!out) return;
    let left = 0;
    for (let i = s.outIdx; i < out.length; i++) left += out[i].length;
    left -= s.outOff;
    while (true) {
      const n = Math.min(left, this.connSendWindow, s.sendWindow, this.peerMaxFrame);
      if (n <= 0 && left > 0) {
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
  }

  /** Ends a stream with RST_STREAM. */
  reset(s: H2Stream, code: number): void {
    if (this.streams.get(s.id) !== s) return;
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
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.blocked.delete(s);
    s.out = undefined;
    this.onStreamRemoved();
    this.endIfIdle();
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
    this.out = [];
    this.socket.destroy();
    const open = [...this.streams.values()];
    this.streams.clear();
    this.blocked.clear();
    for (const s of open) s.handler.onReset(-1, err);
    this.onClosed(err);
  }

  /** A protocol violation by the peer: GOAWAY with its code, then close. */
  private connectionError(e: ConnectionError): void {
    if (this.closed) return;
    this.write(goawayFrame(this.lastPeerStreamId(), e.code, e.message));
    this.flush();
    this.fail(new Error(`HTTP/2 connection error ${errorCodeName(e.code)}: ${e.message}`));
  }

  // ---- reading ----

  private onSocketData(chunk: Buffer): void {
    try {
      if (this.prefaceLeft > 0) {
        const n = Math.min(this.prefaceLeft, chunk.length);
        const at = PREFACE.length - this.prefaceLeft;
        if (!chunk.subarray(0, n).equals(PREFACE.subarray(at, at + n))) {
          throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "not an HTTP/2 client preface (is the client speaking HTTP/1.1 or TLS?)");
        }
        this.prefaceLeft -= n;
        chunk = chunk.subarray(n);
        if (chunk.length === 0) return;
      } else if (!this.ready && chunk.length >= 5 && chunk.toString("latin1", 0, 5) === "HTTP/") {
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `the server answered in ${chunk.toString("latin1", 0, 8)}: it does not speak HTTP/2 with prior knowledge (h2c)`);
      }
      this.reader.push(chunk);
    } catch (err) {
      if (err instanceof ConnectionError) this.connectionError(err);
      else this.fail(err as Error);
    }
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.closed) return;
    if (this.headerBlock && type !== FrameType.CONTINUATION) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "a header block was interrupted by another frame");
    if (!this.ready && type !== FrameType.SETTINGS) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "the first frame was not SETTINGS");
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, streamId, payload);
      case FrameType.HEADERS: {
        if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
        const block = unpad(type, flags, payload);
        const endStream = (flags & Flag.END_STREAM) !== 0;
        if (flags & Flag.END_HEADERS) return this.onHeaderBlock(streamId, endStream, block);
        this.headerBlock = { streamId, endStream, parts: [Buffer.from(block)], length: block.length };
        return;
      }
      case FrameType.CONTINUATION: {
        const hb = this.headerBlock;
        if (!hb || hb.streamId !== streamId) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without a header block to continue");
        hb.parts.push(Buffer.from(payload));
        hb.length += payload.length;
        // HPACK can shrink a list but not by much: a block this large cannot fit the list limit.
        if (hb.length > 2 * this.opts.maxHeaderListBytes + 65536) throw new ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `a header block over ${hb.length} bytes`);
        if (flags & Flag.END_HEADERS) {
          this.headerBlock = undefined;
          this.onHeaderBlock(streamId, hb.endStream, Buffer.concat(hb.parts, hb.length));
        }
        return;
      }
      case FrameType.RST_STREAM: {
        if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM of the wrong size");
        if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
        const s = this.streams.get(streamId);
        if (!s) return;
        const code = payload.readUInt32BE(0);
        this.remove(s);
        s.handler.onReset(code, new Error(`stream reset by the peer with ${errorCodeName(code)}`));
        return;
      }
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0");
      case FrameType.PING:
        if (payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING of the wrong size");
        if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
        if (!(flags & Flag.ACK)) this.write(pingFrame(payload, true));
        return;
      case FrameType.GOAWAY: {
        if (payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY too short");
        this.draining = true;
        this.onGoaway(payload.readUInt32BE(0) & 0x7fffffff, payload.readUInt32BE(4), payload.toString("utf8", 8));
        this.endIfIdle();
        return;
      }
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      default:
        // PRIORITY and unknown frame types are ignored (RFC 9113 §5.5).
        return;
    }
  }

  private onDataFrame(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    // Flow control counts the whole payload, padding included.
    this.connRecvUnacked += payload.length;
    if (this.connRecvUnacked > this.opts.connectionWindow) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "the peer overran the connection window");
    if (this.connRecvUnacked >= this.opts.connectionWindow / 2) {
      this.write(windowUpdateFrame(0, this.connRecvUnacked));
      this.connRecvUnacked = 0;
    }
    const data = unpad(FrameType.DATA, flags, payload);
    const s = this.streams.get(streamId);
    if (!s || s.remoteEnded) return; // a stream we reset or finished: its data is dropped
    const end = (flags & Flag.END_STREAM) !== 0;
    s.recvUnacked += payload.length;
    if (s.recvUnacked > this.opts.streamWindow) {
      this.reset(s, ErrorCode.FLOW_CONTROL_ERROR);
      s.handler.onReset(ErrorCode.FLOW_CONTROL_ERROR, new Error("the peer overran the stream window"));
      return;
    }
    if (!end && s.recvUnacked >= this.opts.streamWindow / 2) {
      this.write(windowUpdateFrame(s.id, s.recvUnacked));
      s.recvUnacked = 0;
    }
    if (end) s.remoteEnded = true;
    s.handler.onData(data, end);
    if (end && s.localEnded) this.remove(s);
  }

  private onHeaderBlock(streamId: number, endStream: boolean, block: Buffer): void {
    let fields: HeaderField[];
    try {
      fields = this.decoder.decode(block, this.opts.maxHeaderListBytes);
    } catch (err) {
      if (err instanceof HpackError) throw new ConnectionError(ErrorCode.COMPRESSION_ERROR, err.message);
      if (!(err instanceof HeaderListTooLargeError)) throw err;
      // The table stayed in sync: only this stream fails.
      const s = this.streams.get(streamId);
      if (s) {
        this.reset(s, ErrorCode.ENHANCE_YOUR_CALM);
        s.handler.onReset(ErrorCode.ENHANCE_YOUR_CALM, err);
      } else {
        this.write(rstStreamFrame(streamId, ErrorCode.ENHANCE_YOUR_CALM));
      }
      return;
    }
    const s = this.streams.get(streamId);
    if (!s) return this.onPeerStream(streamId, fields, endStream);
    if (s.remoteEnded) return;
    if (endStream) s.remoteEnded = true;
    s.handler.onHeaders(fields, endStream);
    if (endStream && s.localEnded) this.remove(s);
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if (flags & Flag.ACK) {
      if (payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      return;
    }
    if (payload.length % 6 !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS of the wrong size");
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
          if (value > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          for (const s of this.streams.values()) s.sendWindow += delta;
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME || value > 0xffffff) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
          this.peerMaxFrame = value;
          break;
        default:
          break; // MAX_HEADER_LIST_SIZE is advisory; unknown settings are ignored
      }
    }
    this.write(frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0));
    for (const s of [...this.blocked]) this.pump(s);
    if (!this.ready) {
      this.ready = true;
      this.onReady();
    }
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE of the wrong size");
    const inc = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (inc === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection");
      this.connSendWindow += inc;
      if (this.connSendWindow > MAX_WINDOW) throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window above 2^31-1");
      for (const s of [...this.blocked]) this.pump(s);
      return;
    }
    const s = this.streams.get(streamId);
    if (!s) return;
    if (inc === 0 || s.sendWindow + inc > MAX_WINDOW) {
      this.reset(s, inc === 0 ? ErrorCode.PROTOCOL_ERROR : ErrorCode.FLOW_CONTROL_ERROR);
      s.handler.onReset(ErrorCode.FLOW_CONTROL_ERROR, new Error("bad WINDOW_UPDATE from the peer"));
      return;
    }
    s.sendWindow += inc;
    if (this.blocked.has(s)) this.pump(s);
  }

  /** Opens a stream object with the peer's initial window (the caller sends its HEADERS). */
  protected newStream(id: number): H2Stream {
    const s = new H2Stream(id, this.peerInitialWindow);
    this.streams.set(id, s);
    return s;
  }
}


// Raw HTTP/2 peers for attack and conformance tests: a client that writes frames by hand, and a
// server (a hostile backend) that does the same. Frames received are parsed as they arrive, and
// header blocks decoded in order, so tests can wait for a GOAWAY, an RST_STREAM or a response.
import { once } from "node:events";
import * as net from "node:net";
import { HpackDecoder, HpackEncoder, type HeaderField } from "../src/http2/hpack.js";
import { HTTP2_PREFACE, rawFrame } from "@acme/test-support/h2-frames";

export const DATA = 0x0;
export const HEADERS = 0x1;
export const PRIORITY = 0x2;
export const RST_STREAM = 0x3;
export const SETTINGS = 0x4;
export const PING = 0x6;
export const GOAWAY = 0x7;
export const WINDOW_UPDATE = 0x8;
export const CONTINUATION = 0x9;

export const END_STREAM = 0x1;
export const ACK = 0x1;
export const END_HEADERS = 0x4;
export const PADDED = 0x8;
export const PRIORITY_FLAG = 0x20;

export const NO_ERROR = 0x0;
export const PROTOCOL_ERROR = 0x1;
export const FLOW_CONTROL_ERROR = 0x3;
export const SETTINGS_TIMEOUT = 0x4;
export const STREAM_CLOSED = 0x5;
export const FRAME_SIZE_ERROR = 0x6;
export const REFUSED_STREAM = 0x7;
export const CANCEL = 0x8;
export const COMPRESSION_ERROR = 0x9;
export const ENHANCE_YOUR_CALM = 0xb;

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
  /** Decoded fields, for HEADERS (the whole block, CONTINUATIONs included). */
  fields?: HeaderField[];
}

export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

export function settingsPayload(settings: [number, number][]): Buffer {
  const b = Buffer.alloc(6 * settings.length);
  settings.forEach(([id, v], i) => {
    b.writeUInt16BE(id, 6 * i);
    b.writeUInt32BE(v, 6 * i + 2);
  });
  return b;
}

/** A gRPC message frame: 5-byte prefix and payload. */
export function grpcMessage(payload: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b.writeUInt32BE(payload.length, 1);
  b.set(payload, 5);
  return b;
}

/**
 * One end of a raw HTTP/2 connection. Frames received are kept only when `keep` says so (a
 * flood's answers are counted, not kept); a GOAWAY is always kept. Like any real peer it
 * acknowledges the SETTINGS it reads (unless `ackSettings` is false), so that our end's
 * SETTINGS-ACK timeout is not what ends a test's connection.
 */
export class RawPeer {
  readonly encoder = new HpackEncoder();
  private readonly decoder = new HpackDecoder();
  readonly frames: Frame[] = [];
  received = 0;
  goaway: { lastStream: number; code: number; debug: string } | undefined;
  closed = false;
  readonly whenClosed: Promise<void>;
  private buf: Buffer = Buffer.alloc(0);
  private block: { stream: number; flags: number; parts: Buffer[] } | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    readonly socket: net.Socket,
    private readonly keep: (f: Frame) => boolean = () => true,
    private readonly ackSettings = true,
  ) {
    socket.on("data", (c: Buffer) => this.onData(c));
    socket.on("error", () => {});
    this.whenClosed = new Promise((resolve) =>
      socket.once("close", () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connects to a server and sends the client preface and an empty SETTINGS. */
  static async connect(
    port: number,
    opts: { read?: boolean; keep?: (f: Frame) => boolean; preface?: boolean; ackSettings?: boolean } = {},
  ): Promise<RawPeer> {
    const socket = net.connect({ host: "127.0.0.1", port });
    await once(socket, "connect");
    if (opts.read === false) socket.pause();
    // A peer that sends no preface cannot send an ACK either: it would be taken for a bad preface.
    const peer = new RawPeer(socket, opts.keep, opts.ackSettings ?? opts.preface !== false);
    if (opts.preface !== false) socket.write(Buffer.concat([HTTP2_PREFACE, rawFrame(SETTINGS, 0, 0)]));
    return peer;
  }

  /** Writes, waiting while the socket is backed up; false once the connection is gone. */
  async send(...frames: Buffer[]): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return false;
    if (this.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames))) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
    return !this.closed && !this.socket.destroyed;
  }

  /** A HEADERS frame (END_HEADERS) with `fields` HPACK-encoded. */
  headers(stream: number, fields: HeaderField[], flags = END_HEADERS): Buffer {
    return rawFrame(HEADERS, flags, stream, this.encoder.encode(fields));
  }

  /** Resolves once `pred` holds (checked on every frame and at close), or the connection closed. */
  async until(pred: () => boolean): Promise<boolean> {
    while (!pred()) {
      if (this.closed) return pred();
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return true;
  }

  find(pred: (f: Frame) => boolean): Frame | undefined {
    return this.frames.find(pred);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const ws = this.waiters.splice(0);
    for (const w of ws) w();
  }

  private onData(c: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, c]) : c;
    let off = 0;
    while (this.buf.length - off >= 9) {
      const len = this.buf.readUIntBE(off, 3);
      if (this.buf.length - off < 9 + len) break;
      const f: Frame = {
        type: this.buf[off + 3],
        flags: this.buf[off + 4],
        stream: this.buf.readUInt32BE(off + 5) & 0x7fffffff,
        payload: Buffer.from(this.buf.subarray(off + 9, off + 9 + len)),
      };
      off += 9 + len;
      this.onFrame(f);
    }
    this.buf = this.buf.subarray(off);
    this.wake();
  }

  private onFrame(f: Frame): void {
    this.received++;
    if (f.type === SETTINGS && !(f.flags & ACK) && this.ackSettings && !this.socket.destroyed)
      this.socket.write(rawFrame(SETTINGS, ACK, 0));
    if (f.type === GOAWAY) {
      this.goaway = {
        lastStream: f.payload.readUInt32BE(0) & 0x7fffffff,
        code: f.payload.readUInt32BE(4),
        debug: f.payload.subarray(8).toString(),
      };
    }
    if (f.type === HEADERS || f.type === CONTINUATION) {
      const b = f.type === HEADERS ? { stream: f.stream, flags: f.flags, parts: [unpadHeaders(f)] } : this.block;
      if (!b) return;
      if (f.type === CONTINUATION) b.parts.push(f.payload);
      if (!(f.flags & END_HEADERS)) {
        this.block = b;
        return;
      }
      this.block = undefined;
      const whole: Frame = {
        type: HEADERS,
        flags: b.flags | END_HEADERS,
        stream: b.stream,
        payload: Buffer.concat(b.parts),
      };
      whole.fields = this.decoder.decode(whole.payload);
      if (this.keep(whole)) this.frames.push(whole);
      return;
    }
    if (f.type === GOAWAY || this.keep(f)) this.frames.push(f);
  }
}

function unpadHeaders(f: Frame): Buffer {
  let start = 0;
  let end = f.payload.length;
  if (f.flags & PADDED) {
    end -= f.payload[0];
    start = 1;
  }
  if (f.flags & PRIORITY_FLAG) start += 5;
  return f.payload.subarray(start, end);
}

/** A request's header fields for a gRPC call to `path`. */
export function grpcRequest(path: string, extra: HeaderField[] = []): HeaderField[] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "127.0.0.1"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...extra,
  ];
}

/**
 * A hostile backend: a TCP server whose connections become RawPeers after the client's preface.
 * `onPeer` runs the attack on each.
 */
export async function hostileServer(
  onPeer: (peer: RawPeer) => void | Promise<void>,
  opts: { read?: boolean; ackSettings?: boolean } = {},
): Promise<{
  port: number;
  peers: RawPeer[];
  attacks: Promise<void>[];
  firstPeer: Promise<RawPeer>;
  close(): Promise<void>;
}> {
  const peers: RawPeer[] = [];
  const attacks: Promise<void>[] = [];
  let first!: (p: RawPeer) => void;
  const firstPeer = new Promise<RawPeer>((r) => (first = r));
  const server = net.createServer((socket) => {
    let preface = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      preface = Buffer.concat([preface, c]);
      if (preface.length < HTTP2_PREFACE.length) return;
      socket.off("data", onData);
      const peer = new RawPeer(socket, undefined, opts.ackSettings);
      peers.push(peer);
      const rest = preface.subarray(HTTP2_PREFACE.length);
      socket.write(rawFrame(SETTINGS, 0, 0));
      if (rest.length) socket.emit("data", rest);
      if (opts.read === false) socket.pause();
      first(peer);
      attacks.push(Promise.resolve(onPeer(peer)));
    };
    socket.on("data", onData);
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    peers,
    attacks,
    firstPeer,
    async close() {
      for (const p of peers) p.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

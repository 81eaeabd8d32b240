/**
 * HTTP/2 frame layout (RFC 9113 §4, §6): constants, a frame reader that cuts a byte stream into
 * frames, and writers for the frames this package sends.
 */

/** The client connection preface (RFC 9113 §3.4): one name for it across the repository. */
export const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export enum FrameType {
  DATA = 0x0,
  HEADERS = 0x1,
  PRIORITY = 0x2,
  RST_STREAM = 0x3,
  SETTINGS = 0x4,
  PUSH_PROMISE = 0x5,
  PING = 0x6,
  GOAWAY = 0x7,
  WINDOW_UPDATE = 0x8,
  CONTINUATION = 0x9,
}

export enum Flag {
  END_STREAM = 0x1,
  // biome-ignore lint/suspicious/noDuplicateEnumValues: flags are per frame type (§6): ACK (SETTINGS, PING) is END_STREAM's bit.
  ACK = 0x1,
  END_HEADERS = 0x4,
  PADDED = 0x8,
  PRIORITY = 0x20,
}

/** Error codes (RFC 9113 §7). */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export function errorCodeName(code: number): string {
  for (const [k, v] of Object.entries(ErrorCode)) if (v === code) return k;
  return `0x${code.toString(16)}`;
}

export enum Setting {
  HEADER_TABLE_SIZE = 0x1,
  ENABLE_PUSH = 0x2,
  MAX_CONCURRENT_STREAMS = 0x3,
  INITIAL_WINDOW_SIZE = 0x4,
  MAX_FRAME_SIZE = 0x5,
  MAX_HEADER_LIST_SIZE = 0x6,
}

export const DEFAULT_WINDOW = 65_535;
export const DEFAULT_MAX_FRAME = 16_384;
export const MAX_WINDOW = 2 ** 31 - 1;
export const FRAME_HEADER = 9;

/** A violation of the protocol: the connection ends with GOAWAY carrying `code`. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export type FrameHandler = (type: number, flags: number, streamId: number, payload: Buffer) => void;

/**
 * Cuts a byte stream into frames. A frame whose payload lies whole inside one chunk is handed
 * over as a view of that chunk (no copy): the handler must copy what it keeps beyond the call. An
 * unpadded DATA frame is handed over piece by piece as its bytes arrive (END_STREAM on the last
 * piece only), so a large message is never first joined into one frame-sized buffer.
 *
 * With `chunksReused`, the caller reads every chunk into the same buffer (a socket with
 * `onread`): what the reader keeps across chunks (a cut frame header or a cut non-DATA frame) is
 * copied first.
 */
export class FrameReader {
  /** A frame header cut by the end of a chunk: its first `headLen` bytes. */
  private readonly head = Buffer.allocUnsafe(FRAME_HEADER);
  private headLen = 0;
  // The non-DATA (or padded DATA) frame being collected: its header fields, and its payload so far.
  private parts: Buffer[] = [];
  private partsLen = 0;
  private payloadLen = -1;
  private type = 0;
  private flags = 0;
  private streamId = 0;
  // The unpadded DATA frame being streamed: bytes still to come.
  private dataLeft = 0;

  constructor(
    /** Our SETTINGS_MAX_FRAME_SIZE: a longer frame is a FRAME_SIZE_ERROR. */
    private readonly maxFrameSize: number,
    private readonly onFrame: FrameHandler,
    private readonly chunksReused = false,
  ) {}

  push(chunk: Buffer): void {
    let off = 0;
    const end = chunk.length;
    while (off < end) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, end - off);
        this.dataLeft -= n;
        const flags = this.dataLeft === 0 ? this.flags : this.flags & ~Flag.END_STREAM;
        this.onFrame(FrameType.DATA, flags, this.streamId, chunk.subarray(off, off + n));
        off += n;
        continue;
      }
      if (this.payloadLen >= 0) {
        const n = Math.min(this.payloadLen - this.partsLen, end - off);
        const piece = chunk.subarray(off, off + n);
        off += n;
        if (this.partsLen + n < this.payloadLen) {
          this.parts.push(this.chunksReused ? Buffer.from(piece) : piece);
          this.partsLen += n;
          return;
        }
        this.parts.push(piece);
        const payload = this.parts.length === 1 ? piece : Buffer.concat(this.parts, this.payloadLen);
        this.parts = [];
        this.partsLen = 0;
        this.payloadLen = -1;
        this.onFrame(this.type, this.flags, this.streamId, payload);
        continue;
      }
      // A frame header: in place when the chunk holds it whole, else gathered in `head`.
      let h = chunk;
      let at = off;
      if (this.headLen > 0 || end - off < FRAME_HEADER) {
        const n = Math.min(FRAME_HEADER - this.headLen, end - off);
        chunk.copy(this.head, this.headLen, off, off + n);
        this.headLen += n;
        off += n;
        if (this.headLen < FRAME_HEADER) return;
        this.headLen = 0;
        h = this.head;
        at = 0;
      } else off += FRAME_HEADER;
      const len = (h[at] << 16) | (h[at + 1] << 8) | h[at + 2];
      if (len > this.maxFrameSize)
        throw new ConnectionError(
          ErrorCode.FRAME_SIZE_ERROR,
          `a frame of ${len} bytes exceeds SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`,
        );
      this.type = h[at + 3];
      this.flags = h[at + 4];
      this.streamId = h.readUInt32BE(at + 5) & 0x7fffffff;
      if (len > 0 && this.type === FrameType.DATA && !(this.flags & Flag.PADDED)) this.dataLeft = len;
      else if (end - off >= len) {
        this.onFrame(this.type, this.flags, this.streamId, chunk.subarray(off, off + len));
        off += len;
      } else this.payloadLen = len;
    }
  }
}

export function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const h = Buffer.allocUnsafe(FRAME_HEADER);
  writeFrameHeader(h, 0, length, type, flags, streamId);
  return h;
}

export function writeFrameHeader(
  buf: Buffer,
  off: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  buf[off] = (length >>> 16) & 0xff;
  buf[off + 1] = (length >>> 8) & 0xff;
  buf[off + 2] = length & 0xff;
  buf[off + 3] = type;
  buf[off + 4] = flags;
  buf.writeUInt32BE(streamId, off + 5);
}

/** A frame with its header written and `length` payload bytes, at FRAME_HEADER, still to fill in. */
function newFrame(length: number, type: FrameType, flags: number, streamId: number): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER + length);
  writeFrameHeader(b, 0, length, type, flags, streamId);
  return b;
}

export function settingsFrame(settings: readonly (readonly [id: number, value: number])[]): Buffer {
  const b = newFrame(6 * settings.length, FrameType.SETTINGS, 0, 0);
  let off = FRAME_HEADER;
  for (const [id, value] of settings) {
    b.writeUInt16BE(id, off);
    b.writeUInt32BE(value, off + 2);
    off += 6;
  }
  return b;
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const b = newFrame(4, FrameType.WINDOW_UPDATE, 0, streamId);
  b.writeUInt32BE(increment, FRAME_HEADER);
  return b;
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const b = newFrame(4, FrameType.RST_STREAM, 0, streamId);
  b.writeUInt32BE(code, FRAME_HEADER);
  return b;
}

export function pingFrame(data: Buffer, ack: boolean): Buffer {
  const b = newFrame(8, FrameType.PING, ack ? Flag.ACK : 0, 0);
  data.copy(b, FRAME_HEADER, 0, 8);
  return b;
}

export function goawayFrame(lastStreamId: number, code: number, debug = ""): Buffer {
  const d = Buffer.from(debug, "utf8");
  const b = newFrame(8 + d.length, FrameType.GOAWAY, 0, 0);
  b.writeUInt32BE(lastStreamId, FRAME_HEADER);
  b.writeUInt32BE(code, FRAME_HEADER + 4);
  d.copy(b, FRAME_HEADER + 8);
  return b;
}

/** The payload of a DATA or HEADERS frame without its padding (and HEADERS' priority fields). */
export function unpad(type: number, flags: number, payload: Buffer): Buffer {
  let start = 0;
  let end = payload.length;
  if (flags & Flag.PADDED) {
    if (payload.length < 1)
      throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "a padded frame without its pad length");
    end -= payload[0];
    start = 1;
  }
  if (type === FrameType.HEADERS && flags & Flag.PRIORITY) start += 5;
  if (end < start) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding longer than the frame");
  return payload.subarray(start, end);
}

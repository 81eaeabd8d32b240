/**
 * Hand-written protobuf codec for httpgrpc's three messages, used on the hot path instead of
 * @bufbuild/protobuf's reflective toBinary/fromBinary (10% of the backend's CPU in
 * bench/httpgrpc.ts). It writes exactly the bytes toBinary writes (fields in number order,
 * proto3 defaults omitted; test/codec.test.ts checks this byte for byte), straight after a
 * 5-byte gRPC message prefix, in one allocation. Decoding skips unknown fields, as every peer does,
 * and returns bytes fields as views of the input (no copy).
 */
import type { Header, HTTPRequest, HTTPResponse } from "../gen.js";

/** A header as the encoders take it: a generated Header, or any object with its two fields. */
export interface HeaderLike {
  key: string;
  values: string[];
}

const utf8 = new TextDecoder("utf-8");

function varintSize(v: number): number {
  if (v < 0) return 10; // negative int32 is sign-extended to 64 bits
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  if (v < 0) {
    // int32 negative: two's complement over 64 bits.
    let lo = v >>> 0;
    let hi = 0xffffffff;
    for (let i = 0; i < 9; i++) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    buf[pos++] = 1;
    return pos;
  }
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

interface Sized {
  headerSizes: number[];
  total: number;
}

function headerSize(h: HeaderLike): number {
  let n = 0;
  if (h.key !== "") {
    const k = Buffer.byteLength(h.key);
    n += 1 + varintSize(k) + k;
  }
  for (const v of h.values) {
    const l = Buffer.byteLength(v);
    n += 1 + varintSize(l) + l;
  }
  return n;
}

function sizeHeaders(headers: readonly HeaderLike[]): Sized {
  const headerSizes = headers.map(headerSize);
  let total = 0;
  for (const s of headerSizes) total += 1 + varintSize(s) + s;
  return { headerSizes, total };
}

function writeString(buf: Buffer, pos: number, tag: number, s: string): number {
  buf[pos++] = tag;
  const len = Buffer.byteLength(s);
  pos = writeVarint(buf, pos, len);
  return pos + buf.write(s, pos, "utf8");
}

function writeHeaders(buf: Buffer, pos: number, tag: number, headers: readonly HeaderLike[], sizes: number[]): number {
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    buf[pos++] = tag;
    pos = writeVarint(buf, pos, sizes[i]);
    if (h.key !== "") pos = writeString(buf, pos, 0x0a, h.key);
    for (const v of h.values) pos = writeString(buf, pos, 0x12, v);
  }
  return pos;
}

function writeBytes(buf: Buffer, pos: number, tag: number, b: Uint8Array): number {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, b.byteLength);
  buf.set(b, pos);
  return pos + b.byteLength;
}

function finishFrame(buf: Buffer, framed: boolean): Buffer {
  if (!framed) return buf;
  buf[0] = 0;
  buf.writeUInt32BE(buf.length - 5, 1);
  return buf;
}

/** HTTPRequest → wire bytes, after a gRPC message prefix when framed. */
export function encodeHTTPRequest(
  m: { method: string; url: string; headers: readonly HeaderLike[]; body: Uint8Array },
  framed = true,
): Buffer {
  const hs = sizeHeaders(m.headers);
  const ml = m.method === "" ? 0 : Buffer.byteLength(m.method);
  const ul = m.url === "" ? 0 : Buffer.byteLength(m.url);
  const size =
    (ml ? 1 + varintSize(ml) + ml : 0) +
    (ul ? 1 + varintSize(ul) + ul : 0) +
    hs.total +
    (m.body.byteLength ? 1 + varintSize(m.body.byteLength) + m.body.byteLength : 0);
  const buf = Buffer.allocUnsafe((framed ? 5 : 0) + size);
  let pos = framed ? 5 : 0;
  if (ml) pos = writeString(buf, pos, 0x0a, m.method);
  if (ul) pos = writeString(buf, pos, 0x12, m.url);
  pos = writeHeaders(buf, pos, 0x1a, m.headers, hs.headerSizes);
  if (m.body.byteLength) writeBytes(buf, pos, 0x22, m.body);
  return finishFrame(buf, framed);
}

/** HTTPResponse → wire bytes, after a gRPC message prefix when framed. */
export function encodeHTTPResponse(
  m: { Code: number; headers: readonly HeaderLike[]; body: Uint8Array },
  framed = true,
): Buffer {
  return encodeResponse(m, framed, Infinity)[0];
}

/**
 * As encodeHTTPResponse(), framed, in pieces: a body of `inlineMax` bytes or more is not copied
 * but returned as a second piece (the body is the last field), to be written as it is.
 */
export function encodeHTTPResponsePieces(
  m: { Code: number; headers: readonly HeaderLike[]; body: Uint8Array },
  inlineMax = 16 * 1024,
): Buffer[] {
  return encodeResponse(m, true, inlineMax);
}

function encodeResponse(
  m: { Code: number; headers: readonly HeaderLike[]; body: Uint8Array },
  framed: boolean,
  inlineMax: number,
): Buffer[] {
  const hs = sizeHeaders(m.headers);
  const bl = m.body.byteLength;
  const size = (m.Code !== 0 ? 1 + varintSize(m.Code) : 0) + hs.total + (bl ? 1 + varintSize(bl) + bl : 0);
  const inline = bl < inlineMax;
  const buf = Buffer.allocUnsafe((framed ? 5 : 0) + size - (inline ? 0 : bl));
  let pos = framed ? 5 : 0;
  if (m.Code !== 0) {
    buf[pos++] = 0x08;
    pos = writeVarint(buf, pos, m.Code);
  }
  pos = writeHeaders(buf, pos, 0x12, m.headers, hs.headerSizes);
  if (bl && inline) writeBytes(buf, pos, 0x1a, m.body);
  else if (bl) {
    buf[pos++] = 0x1a;
    writeVarint(buf, pos, bl);
  }
  if (framed) {
    buf[0] = 0;
    buf.writeUInt32BE(size, 1);
  }
  return inline ? [buf] : [buf, Buffer.from(m.body.buffer, m.body.byteOffset, bl)];
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const b = this.buf[this.pos++];
      if (i < 5) result += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return result;
    }
    throw new Error("varint too long");
  }

  int32(): number {
    return this.varint() | 0; // keeps the low 32 bits, as int32 parsing does
  }

  length(): number {
    const n = this.varint();
    if (this.pos + n > this.end) throw new Error("truncated length-delimited field");
    return n;
  }

  bytes(): Uint8Array {
    const n = this.length();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.length();
    const out = utf8.decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2: {
        const n = this.length(); // (not `this.pos += this.length()`: that would add to the old pos)
        this.pos += n;
        return;
      }
      case 5:
        this.pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw new Error("truncated field");
  }
}

function readHeader(r: Reader, end: number): Header {
  const sub = new Reader(r.buf, end);
  sub.pos = r.pos;
  const h: Header = { $typeName: "httpgrpc.Header", key: "", values: [] };
  while (sub.pos < end) {
    const tag = sub.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) h.key = sub.string();
    else if (field === 2 && wire === 2) h.values.push(sub.string());
    else sub.skip(wire);
  }
  r.pos = end;
  return h;
}

/** Wire bytes → HTTPRequest. Throws on malformed input. */
export function decodeHTTPRequest(bytes: Uint8Array): HTTPRequest {
  const r = new Reader(bytes);
  const m: HTTPRequest = {
    $typeName: "httpgrpc.HTTPRequest",
    method: "",
    url: "",
    headers: [],
    body: new Uint8Array(0),
  };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) m.method = r.string();
    else if (field === 2 && wire === 2) m.url = r.string();
    else if (field === 3 && wire === 2) {
      const n = r.length();
      m.headers.push(readHeader(r, r.pos + n));
    } else if (field === 4 && wire === 2) m.body = r.bytes();
    else r.skip(wire);
  }
  return m;
}

/** Reads HTTPResponse's Code or a header into `m`; false for any other field (left unread). */
function readResponseField(r: Reader, m: HTTPResponse, field: number, wire: number): boolean {
  if (field === 1 && wire === 0) m.Code = r.int32();
  else if (field === 2 && wire === 2) {
    const n = r.length();
    m.headers.push(readHeader(r, r.pos + n));
  } else return false;
  return true;
}

/** Wire bytes → HTTPResponse. Throws on malformed input. */
export function decodeHTTPResponse(bytes: Uint8Array): HTTPResponse {
  const r = new Reader(bytes);
  const m: HTTPResponse = { $typeName: "httpgrpc.HTTPResponse", Code: 0, headers: [], body: new Uint8Array(0) };
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (readResponseField(r, m, field, wire)) continue;
    if (field === 3 && wire === 2) m.body = r.bytes();
    else r.skip(wire);
  }
  return m;
}

/**
 * A framed-off HTTPResponse held in pieces (as it came off the socket) → the response without its
 * body, plus the body as views into those pieces. Works when the body is the last field and all
 * before it lies in the first piece, as every known encoder writes it (fields in number order);
 * returns undefined otherwise, for the caller to join the pieces and use decodeHTTPResponse.
 */
export function decodeHTTPResponsePieces(
  pieces: readonly Buffer[],
  total: number,
): { resp: HTTPResponse; body: Buffer[] } | undefined {
  if (pieces.length === 0) return undefined;
  const first = pieces[0];
  const r = new Reader(first);
  const m: HTTPResponse = { $typeName: "httpgrpc.HTTPResponse", Code: 0, headers: [], body: new Uint8Array(0) };
  try {
    while (r.pos < r.end) {
      const tag = r.varint();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (readResponseField(r, m, field, wire)) continue;
      if (field === 3 && wire === 2) {
        const n = r.varint();
        if (r.pos + n !== total) return undefined; // not the last field
        const body: Buffer[] = [];
        if (r.pos < first.length) body.push(first.subarray(r.pos));
        for (let i = 1; i < pieces.length; i++) body.push(pieces[i]);
        return { resp: m, body };
      } else r.skip(wire);
    }
  } catch {
    return undefined; // a field cut by a piece boundary, or malformed: the caller's full decode decides
  }
  return r.pos === total ? { resp: m, body: [] } : undefined;
}

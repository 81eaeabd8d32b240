// HPACK (RFC 7541): the RFC's Appendix C vectors, encoder → decoder round trips, malformed
// blocks, and interop both ways with nghttp2 (inside node:http2) over a real TCP connection.
import assert from "node:assert/strict";
import { once } from "node:events";
import * as http2 from "node:http2";
import * as net from "node:net";
import { test } from "node:test";
import {
  HeaderListTooLargeError,
  HpackDecoder,
  HpackEncoder,
  HpackError,
  type HeaderField,
} from "../src/http2/hpack.js";
import { HTTP2_PREFACE, rawFrame } from "@acme/test-support/h2-frames";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const range = (from: number, to: number) =>
  String.fromCharCode(...Array.from({ length: to - from + 1 }, (_, i) => from + i));
const isHpackError = (e: unknown) => e instanceof HpackError;

// ---------------------------------------------------------------------------------------------
// RFC 7541 Appendix C (hex dumps copied from the RFC's examples).

test("C.1 integers: 1337 on a 5-bit prefix, as a dynamic table size update both ways", () => {
  const enc = new HpackEncoder();
  enc.setPeerMaxTableSize(1337);
  assert.deepEqual(enc.encode([]), hex("3f9a0a"));
  assert.deepEqual(new HpackDecoder().decode(hex("3f9a0a")), []);
  // C.1.1: 10 fits the 5-bit prefix.
  assert.deepEqual(new HpackDecoder().decode(hex("2a")), []);
});

test("C.2 field representations, and what each leaves in the dynamic table", () => {
  let d = new HpackDecoder();
  assert.deepEqual(d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")), [
    ["custom-key", "custom-header"],
  ]);
  assert.deepEqual(d.decode(hex("be")), [["custom-key", "custom-header"]]);

  d = new HpackDecoder();
  assert.deepEqual(d.decode(hex("040c 2f73 616d 706c 652f 7061 7468")), [[":path", "/sample/path"]]);
  assert.throws(() => d.decode(hex("be")), isHpackError, "without indexing: nothing added");

  d = new HpackDecoder();
  assert.deepEqual(d.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74")), [["password", "secret"]]);
  assert.throws(() => d.decode(hex("be")), isHpackError, "never indexed: nothing added");

  assert.deepEqual(new HpackDecoder().decode(hex("82")), [[":method", "GET"]]);
});

const C3_HEADERS: HeaderField[][] = [
  [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
  ],
  [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    [":authority", "www.example.com"],
    ["cache-control", "no-cache"],
  ],
  [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/index.html"],
    [":authority", "www.example.com"],
    ["custom-key", "custom-value"],
  ],
];

test("C.3 requests without Huffman: decoded, and our encoder produces the very same bytes", () => {
  const blocks = [
    hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"),
    hex("8286 84be 5808 6e6f 2d63 6163 6865"),
    hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"),
  ];
  const d = new HpackDecoder();
  const e = new HpackEncoder();
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(d.decode(blocks[i]), C3_HEADERS[i]);
    assert.deepEqual(e.encode(C3_HEADERS[i]), blocks[i]);
  }
  // Table after C.3.3: custom-key (62), cache-control (63), :authority (64).
  assert.deepEqual(d.decode(hex("bebfc0")), [C3_HEADERS[2][4], C3_HEADERS[1][4], C3_HEADERS[0][3]]);
});

test("C.4 requests with Huffman", () => {
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")), C3_HEADERS[0]);
  assert.deepEqual(d.decode(hex("8286 84be 5886 a8eb 1064 9cbf")), C3_HEADERS[1]);
  assert.deepEqual(d.decode(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")), C3_HEADERS[2]);
});

const C5_HEADERS: HeaderField[][] = [
  [
    [":status", "302"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"],
  ],
  [
    [":status", "307"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
    ["location", "https://www.example.com"],
  ],
  [
    [":status", "200"],
    ["cache-control", "private"],
    ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
    ["location", "https://www.example.com"],
    ["content-encoding", "gzip"],
    ["set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"],
  ],
];

function checkC5Table(d: HpackDecoder): void {
  // 256-octet table after the third response: set-cookie (62), content-encoding (63), date (64); the rest was evicted.
  assert.deepEqual(d.decode(hex("bebfc0")), [C5_HEADERS[2][5], C5_HEADERS[2][4], C5_HEADERS[2][2]]);
  assert.throws(() => d.decode(hex("c1")), isHpackError);
}

test("C.5 responses without Huffman, 256-octet table with evictions", () => {
  const d = new HpackDecoder(256);
  const blocks = [
    hex(`4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`),
    hex("4803 3330 37c1 c0bf"),
    hex(`88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`),
  ];
  for (let i = 0; i < 3; i++) assert.deepEqual(d.decode(blocks[i]), C5_HEADERS[i]);
  checkC5Table(d);
});

test("C.6 responses with Huffman, 256-octet table with evictions", () => {
  const d = new HpackDecoder(256);
  const blocks = [
    hex(`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`),
    hex("4883 640e ffc1 c0bf"),
    hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07`),
  ];
  for (let i = 0; i < 3; i++) assert.deepEqual(d.decode(blocks[i]), C5_HEADERS[i]);
  checkC5Table(d);
});

test("Huffman: octet 0 (nghttp2 cannot be made to send it through node), 7 bits of padding, empty and long strings", () => {
  // Appendix B row (0): 11111111|11000 (13 bits), then 111 padding.
  assert.deepEqual(new HpackDecoder().decode(hex("00 0161 82 ffc7")), [["a", "\0"]]);
  // "abd" = 00011 100011 100100 (17 bits) + 7 bits of padding.
  assert.deepEqual(new HpackDecoder().decode(hex("00 0161 83 1c727f")), [["a", "abd"]]);
  assert.deepEqual(new HpackDecoder().decode(hex("00 0161 80")), [["a", ""]]);
  // A long one: 8 x "a" (00011) fill exactly 5 octets; 64000 of them are 40000 octets.
  const long = Buffer.concat([hex("00 0161 ff c1b702"), hex("18c6318c63".repeat(8000))]);
  assert.deepEqual(new HpackDecoder().decode(long), [["a", "a".repeat(64000)]]);
});

// ---------------------------------------------------------------------------------------------
// Our encoder's choices.

const REQUEST: HeaderField[] = [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", "/httpgrpc.HTTP/Handle"],
  [":authority", "127.0.0.1:1234"],
  ["content-type", "application/grpc"],
  ["te", "trailers"],
  ["grpc-timeout", "999m"],
];

test("encoder: repeated gRPC requests become one octet per field, except the volatile grpc-timeout", () => {
  const e = new HpackEncoder();
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(e.encode(REQUEST)), REQUEST);
  const again = e.encode(REQUEST);
  // :method POST and :scheme http are static; the 4 others dynamic (newest first: te = 62).
  assert.deepEqual(
    again,
    Buffer.concat([hex("83 86 c1 c0 bf be 000c"), Buffer.from("grpc-timeout"), hex("04"), Buffer.from("999m")]),
  );
  assert.deepEqual(d.decode(again), REQUEST);
});

test("encoder: sensitive names are never indexed, volatile ones not indexed, the rest indexed", () => {
  const e = new HpackEncoder();
  const cases: [HeaderField, Buffer][] = [
    [["authorization", "Bearer x"], Buffer.concat([hex("1f08 08"), Buffer.from("Bearer x")])], // static name 23
    [["cookie", "a=b"], Buffer.concat([hex("1f11 03"), Buffer.from("a=b")])], // static name 32
    [["content-length", "0"], hex("0f0d 0130")], // static name 28
    [
      ["grpc-status-details-bin", "AA"],
      Buffer.concat([hex("00 17"), Buffer.from("grpc-status-details-bin"), hex("02"), Buffer.from("AA")]),
    ],
    [["x-custom", "v"], Buffer.concat([hex("40 08"), Buffer.from("x-custom"), hex("01"), Buffer.from("v")])],
  ];
  for (const [field, bytes] of cases) assert.deepEqual(e.encode([field]), bytes, field[0]);
  // Only x-custom went into the table.
  for (const [field, bytes] of cases.slice(0, 4)) assert.deepEqual(e.encode([field]), bytes, field[0]);
  assert.deepEqual(e.encode([["x-custom", "v"]]), hex("be"));
  // Same name, new value: the name is referenced from the dynamic table.
  assert.deepEqual(e.encode([["x-custom", "w"]]), Buffer.concat([hex("7e 01"), Buffer.from("w")]));
  // Over a quarter of the table (4096 / 4): not indexed.
  const big: HeaderField = ["x-custom", "z".repeat(1024 - 32 - 8 + 1)];
  // Without indexing, the name from the newest x-custom entry (62 = 15 + 47).
  assert.deepEqual(e.encode([big]).subarray(0, 2), hex("0f2f"));
  assert.deepEqual(e.encode([big]).subarray(0, 2), hex("0f2f"));
});

test("encoder: a shrinking peer table is announced at the next block, lowest then final, and honoured", () => {
  const e = new HpackEncoder();
  const d = new HpackDecoder();
  const fields: HeaderField[] = [
    ["x-a", "1"],
    ["x-b", "2"],
  ];
  assert.deepEqual(d.decode(e.encode(fields)), fields);
  e.setPeerMaxTableSize(100); // 31 + 69
  const shrunk = e.encode(fields);
  assert.deepEqual(shrunk.subarray(0, 2), hex("3f45"));
  assert.deepEqual(d.decode(shrunk), fields);
  e.setPeerMaxTableSize(0);
  e.setPeerMaxTableSize(4096);
  const regrown = e.encode(fields);
  assert.deepEqual(regrown.subarray(0, 4), hex("20 3fe11f"), "0, then 4096");
  assert.equal(regrown[4], 0x40, "the table was emptied: literals again");
  assert.deepEqual(d.decode(regrown), fields);
  // More than 4096 is allowed but not used: nothing to announce.
  e.setPeerMaxTableSize(1 << 20);
  assert.deepEqual(e.encode(fields), hex("bfbe"));
  // An unchanged size announces nothing either.
  e.setPeerMaxTableSize(4096);
  assert.deepEqual(e.encode([]), Buffer.alloc(0));
  assert.throws(() => e.setPeerMaxTableSize(-1), RangeError);
});

// A deterministic PRNG (mulberry32), so failures reproduce.
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
}

const ALL_OCTETS = range(0, 255);

test("round trips across many blocks: table reuse, eviction at small sizes, size changes mid-stream", () => {
  const names = [
    ":status",
    ":path",
    ":authority",
    "content-type",
    "grpc-status",
    "grpc-message",
    "grpc-timeout",
    "grpc-status-details-bin",
    "authorization",
    "cookie",
    "content-length",
    "accept-encoding",
    "user-agent",
    "x-request-id",
    "traceparent",
    "x-a",
    "x-b",
    "x-c",
  ];
  for (const peerSize of [4096, 1024, 256, 64, 0]) {
    const rand = prng(peerSize + 1);
    const randomString = (max: number) => {
      let s = "";
      for (let n = Math.floor(rand(max)); n > 0; n--) s += String.fromCharCode(Math.floor(rand(256)));
      return s;
    };
    const values = [
      "",
      "0",
      "200",
      "application/grpc",
      "gzip, deflate",
      "/",
      ALL_OCTETS,
      "y".repeat(5000),
      randomString(20),
      randomString(200),
    ];
    const e = new HpackEncoder();
    const d = new HpackDecoder(peerSize); // enforces the peer's limit: any overuse is an error or a desync
    e.setPeerMaxTableSize(peerSize);
    let bytes = 0;
    let fieldCount = 0;
    for (let block = 0; block < 300; block++) {
      if (block === 100) e.setPeerMaxTableSize(peerSize >> 1);
      if (block === 200) e.setPeerMaxTableSize(peerSize);
      const headers: HeaderField[] = [];
      for (let n = Math.floor(rand(12)); n > 0; n--) {
        const value = rand(4) < 1 ? randomString(rand(10) < 1 ? 20_000 : 40) : values[Math.floor(rand(values.length))];
        headers.push([names[Math.floor(rand(names.length))], value]);
      }
      const encoded = e.encode(headers);
      bytes += encoded.length;
      fieldCount += headers.length;
      assert.deepEqual(d.decode(encoded), headers, `table ${peerSize}, block ${block}`);
    }
    assert.ok(fieldCount > 1000 && bytes > 0);
  }
});

test("round trips of all 256 octets, empty and long names and values", () => {
  const e = new HpackEncoder();
  const d = new HpackDecoder();
  const headers: HeaderField[] = [
    ["x-all", ALL_OCTETS],
    ["x-empty", ""],
    ["x-long", ALL_OCTETS.repeat(1000)],
    [`x-${"n".repeat(300)}`, "v"],
    ["x-all", ALL_OCTETS],
  ];
  for (let i = 0; i < 3; i++) assert.deepEqual(d.decode(e.encode(headers)), headers);
  const decoded = d.decode(new Uint8Array(e.encode(headers))); // a plain Uint8Array works too
  assert.deepEqual(decoded, headers);
});

// ---------------------------------------------------------------------------------------------
// Malformed blocks.

test("malformed blocks are HpackErrors", () => {
  const bad: [string, string][] = [
    ["80", "index 0"],
    ["be", "index past an empty dynamic table"],
    ["ff00", "static index 127 past the table"],
    ["7e 0161", "literal whose name index is past the table"],
    ["ff", "truncated integer (prefix full, no continuation)"],
    ["ff80", "truncated integer (continuation bit set at the end)"],
    ["ff 8080808080 8001", "integer with more than 5 continuation octets"],
    ["ff ffffffff0f", "integer above 2^31"],
    ["40", "literal without its name"],
    ["40 0a6162", "name string past the end"],
    ["40 0161", "literal without its value"],
    ["40 0161 0362", "value string past the end"],
    ["00 0161 82 1fff", "Huffman padding longer than 7 bits"],
    ["00 0161 82 f8ff", "Huffman padding of exactly 8 bits (after '&', 8 bits long)"],
    ["00 0161 81 18", "Huffman padding not all ones"],
    ["00 0161 84 ffffffff", "EOS in Huffman data"],
    ["00 0161 85 00ffffffff", "EOS after a symbol"],
    ["3fe21f", "size update above the advertised 4096"],
    ["82 20", "size update after a field"],
  ];
  for (const [block, why] of bad) assert.throws(() => new HpackDecoder().decode(hex(block)), isHpackError, why);
  // The controls: the same shapes, well-formed.
  assert.deepEqual(new HpackDecoder().decode(hex("00 0161 81 1f")), [["a", "a"]]);
  assert.deepEqual(new HpackDecoder().decode(hex("3fe11f 20 82")), [[":method", "GET"]]);
  assert.deepEqual(
    new HpackDecoder().decode(hex("3f 8180808000")),
    [],
    "5 continuation octets (overlong, but allowed)",
  );
});

test("a header list over maxListBytes throws HeaderListTooLargeError after updating the table", () => {
  const e = new HpackEncoder();
  const d = new HpackDecoder();
  const first: HeaderField[] = [
    ["x-a", "a".repeat(100)],
    ["x-b", "b"],
  ];
  const size = 3 + 100 + 32 + (3 + 1 + 32);
  assert.equal(d.decode(e.encode([]), 0).length, 0);
  let err: unknown;
  try {
    d.decode(e.encode(first), size - 1);
  } catch (x) {
    err = x;
  }
  assert.ok(err instanceof HeaderListTooLargeError);
  assert.ok(!(err instanceof HpackError));
  assert.equal(err.size, size);
  assert.equal(err.limit, size - 1);
  // Both entries were added although the block was refused: the encoder now indexes them.
  const again = e.encode(first);
  assert.deepEqual(again, hex("bfbe"));
  assert.deepEqual(d.decode(again, size), first);
});

// ---------------------------------------------------------------------------------------------
// Interop with nghttp2 (node:http2) over TCP, through a raw HTTP/2 client of our own.

const DATA = 0;
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 8;
const CONTINUATION = 9;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const MAX_FRAME = 16384;

const frame = rawFrame;

/** HEADERS (+ CONTINUATION when over the default frame size) ending the stream. */
function headersFrames(stream: number, block: Buffer): Buffer {
  const frames: Buffer[] = [];
  for (let at = 0; at === 0 || at < block.length; at += MAX_FRAME) {
    const last = at + MAX_FRAME >= block.length;
    const part = block.subarray(at, at + MAX_FRAME);
    frames.push(
      at === 0
        ? frame(HEADERS, END_STREAM | (last ? END_HEADERS : 0), stream, part)
        : frame(CONTINUATION, last ? END_HEADERS : 0, stream, part),
    );
  }
  return Buffer.concat(frames);
}

interface RawClient {
  socket: net.Socket;
  /** Response header blocks, CONTINUATIONs joined, in arrival order. */
  blocks: { stream: number; block: Buffer }[];
  bodies: Map<number, Buffer[]>;
  /** RST_STREAM, GOAWAY: anything that means the peer did not like us. */
  errors: string[];
  firstSettings: Promise<void>;
  ended(stream: number): Promise<void>;
}

async function rawConnect(port: number, onSettings: (params: Map<number, number>) => void): Promise<RawClient> {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  const blocks: RawClient["blocks"] = [];
  const bodies = new Map<number, Buffer[]>();
  const errors: string[] = [];
  const waiting = new Map<number, { done: Promise<void>; resolve: () => void }>();
  let closed = false;
  const waiter = (stream: number) => {
    let w = waiting.get(stream);
    if (!w) {
      let resolve = () => {};
      const done = new Promise<void>((r) => (resolve = r));
      w = { done, resolve };
      waiting.set(stream, w);
      if (closed) resolve();
    }
    return w;
  };
  const closeAll = () => {
    closed = true;
    for (const w of waiting.values()) w.resolve();
  };
  let settingsSeen = () => {};
  const firstSettings = new Promise<void>((r) => (settingsSeen = r));

  let pending = Buffer.alloc(0);
  let partial: { stream: number; parts: Buffer[]; endStream: boolean } | undefined;
  const endBlock = () => {
    const p = partial!;
    blocks.push({ stream: p.stream, block: Buffer.concat(p.parts) });
    partial = undefined;
    if (p.endStream) waiter(p.stream).resolve();
  };
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      const type = pending[3];
      const flags = pending[4];
      const stream = pending.readUInt32BE(5) & 0x7fffffff;
      const payload = pending.subarray(9, 9 + length);
      pending = pending.subarray(9 + length);
      let start = flags & PADDED && (type === DATA || type === HEADERS) ? 1 : 0;
      const end = start ? payload.length - payload[0] : payload.length;
      switch (type) {
        case SETTINGS:
          if (!(flags & ACK)) {
            const params = new Map<number, number>();
            for (let i = 0; i + 6 <= payload.length; i += 6)
              params.set(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
            onSettings(params);
            socket.write(frame(SETTINGS, ACK, 0));
            settingsSeen();
          }
          break;
        case PING:
          if (!(flags & ACK)) socket.write(frame(PING, ACK, 0, payload));
          break;
        case HEADERS:
          if (flags & PRIORITY) start += 5;
          partial = { stream, parts: [payload.subarray(start, end)], endStream: (flags & END_STREAM) !== 0 };
          if (flags & END_HEADERS) endBlock();
          break;
        case CONTINUATION:
          partial!.parts.push(payload);
          if (flags & END_HEADERS) endBlock();
          break;
        case DATA:
          bodies.set(stream, [...(bodies.get(stream) ?? []), payload.subarray(start, end)]);
          if (flags & END_STREAM) waiter(stream).resolve();
          break;
        case RST_STREAM:
          errors.push(`RST_STREAM on ${stream}: code ${payload.readUInt32BE(0)}`);
          waiter(stream).resolve();
          break;
        case GOAWAY:
          if (payload.readUInt32BE(4) !== 0)
            errors.push(`GOAWAY: code ${payload.readUInt32BE(4)} ${payload.subarray(8).toString()}`);
          closeAll();
          break;
      }
    }
  });
  socket.on("close", closeAll);
  socket.on("error", (e) => errors.push(String(e)));
  // Our SETTINGS are empty (all defaults, so our decoders use 4096); the connection window is
  // opened wide so that many response bodies never wait for WINDOW_UPDATEs.
  const windowUpdate = Buffer.alloc(4);
  windowUpdate.writeUInt32BE(1 << 30);
  socket.write(Buffer.concat([HTTP2_PREFACE, frame(SETTINGS, 0, 0), frame(WINDOW_UPDATE, 0, 0, windowUpdate)]));
  return { socket, blocks, bodies, errors, firstSettings, ended: (stream) => waiter(stream).done };
}

/** Listens on a random port; close() also ends the server's sessions, which node may otherwise keep after sending a GOAWAY. */
async function listen(server: http2.Http2Server): Promise<{ port: number; close(client: RawClient): Promise<void> }> {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    async close(client) {
      client.socket.destroy();
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every octet HTTP allows in a field value (RFC 9110: VCHAR, obs-text, SP and HTAB but not at the ends). */
const FIELD_OCTETS = `<${range(0x20, 0x7e)}\t${range(0x80, 0xff)}>`;

for (const serverTableSize of [4096, 256]) {
  test(`interop: our encoder → nghttp2 (its header table ${serverTableSize})`, async () => {
    const server = http2.createServer({ settings: { headerTableSize: serverTableSize } }, (req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(req.rawHeaders));
    });
    const { port, close } = await listen(server);
    const encoder = new HpackEncoder();
    const client = await rawConnect(port, (params) => {
      const size = params.get(SETTINGS_HEADER_TABLE_SIZE);
      if (size !== undefined) encoder.setPeerMaxTableSize(size);
    });
    try {
      await client.firstSettings; // so that a smaller table is in force from the first block
      const sent = new Map<number, HeaderField[]>();
      for (let k = 0; k < 10; k++) {
        const stream = 2 * k + 1;
        const headers: HeaderField[] = [
          [":method", "POST"],
          [":scheme", "http"],
          [":path", k % 3 ? "/httpgrpc.HTTP/Handle" : `/svc.Other/Method${k}`],
          [":authority", `127.0.0.1:${port}`],
          ["content-type", "application/grpc"],
          ["te", "trailers"],
          ["grpc-timeout", `${k + 1}m`],
          ["user-agent", "hpack-test/1.0"],
          ["x-repeat", "a"],
          ["x-repeat", "b"],
          ["x-repeat", "a"],
          ["x-octets", FIELD_OCTETS],
          ["x-changing", `value-${k}`],
          ["x-empty", ""],
          ["authorization", `Bearer token-${k % 2}`],
          ["cookie", "session=abc"],
          ["grpc-trace-bin", "AAECAwQ"],
          ["x-request-id", `req-${k}`],
          ["content-length", "0"],
          ["x-long", "long-value-".repeat(300) + k],
        ];
        if (k === 7) headers.push(["x-huge", "h".repeat(20_000)]); // a block over one frame: CONTINUATION
        sent.set(stream, headers);
        const block = encoder.encode(headers);
        if (k === 0 && serverTableSize < 4096)
          assert.deepEqual(block.subarray(0, 3), hex("3fe101"), "size update to 256 first");
        client.socket.write(headersFrames(stream, block));
      }
      const decoder = new HpackDecoder();
      for (const [stream, headers] of sent) {
        await client.ended(stream);
        assert.deepEqual(client.errors, []);
        const received: string[] = JSON.parse(Buffer.concat(client.bodies.get(stream) ?? []).toString("utf8"));
        assert.deepEqual(received, headers.flat(), `stream ${stream}`);
      }
      // nghttp2's own response headers decode too.
      for (const { block } of client.blocks) {
        const fields = decoder.decode(block);
        assert.deepEqual(fields[0], [":status", "200"]);
        assert.ok(fields.some(([name, value]) => name === "content-type" && value === "application/json"));
      }
      assert.equal(client.blocks.length, sent.size);
    } finally {
      await close(client);
    }
  });
}

/** Each octet 1..255 behind nine "0"s (5-bit codes): Huffman is then shorter, so nghttp2 uses it for all of them. (Node cannot send octet 0.) */
const HUFFMAN_OCTETS = Array.from({ length: 255 }, (_, i) => `${String.fromCharCode(i + 1)}000000000`).join("");

function responseHeaders(k: number): [http2.OutgoingHttpHeaders, HeaderField[]] {
  const fields: HeaderField[] = [
    [":status", k % 3 === 2 ? "404" : "200"],
    ["content-type", "application/grpc"],
    ["grpc-status", String(k % 2)],
    ["grpc-message", k % 2 ? "bad%20thing" : ""],
    ["x-rep", "one"],
    ["x-rep", "two"],
    ["x-rep", "one"],
    ["x-octets", FIELD_OCTETS],
    ["x-huffman", HUFFMAN_OCTETS],
    ["x-long", "long-value-".repeat(500) + k],
    ["x-k", `stream-${k}`],
  ];
  if (k === 3) fields.push(["x-huge", "hb".repeat(15_000)]); // over one frame: CONTINUATION
  const object: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of fields) {
    const prev = object[name];
    object[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [String(prev)]), value];
  }
  return [object, fields];
}

test("interop: nghttp2 → our decoder (dynamic table, Huffman, every octet, CONTINUATION)", async () => {
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    stream.respond(responseHeaders(Number(String(headers[":path"]).slice(1)))[0], { endStream: true });
  });
  const { port, close } = await listen(server);
  const client = await rawConnect(port, () => {});
  try {
    const encoder = new HpackEncoder();
    const count = 8;
    for (let k = 0; k < count; k++) {
      const block = encoder.encode([
        [":method", "GET"],
        [":scheme", "http"],
        [":path", `/${k}`],
        [":authority", `127.0.0.1:${port}`],
      ]);
      client.socket.write(headersFrames(2 * k + 1, block));
    }
    for (let k = 0; k < count; k++) await client.ended(2 * k + 1);
    assert.deepEqual(client.errors, []);
    assert.equal(client.blocks.length, count);

    const decoder = new HpackDecoder();
    for (const { stream, block } of client.blocks) {
      const k = (stream - 1) / 2;
      const expected = responseHeaders(k)[1];
      const names = new Set(expected.map(([name]) => name));
      const fields = decoder.decode(block);
      assert.deepEqual(
        fields.filter(([name]) => names.has(name)),
        expected,
        `stream ${stream}`,
      );
      assert.ok(fields.some(([name]) => name === "date"));
    }

    // nghttp2 did use Huffman (the raw octets are not in the first block) and its dynamic table
    // (a later block does not decode without the earlier ones).
    assert.ok(!client.blocks[0].block.includes(Buffer.from(HUFFMAN_OCTETS, "latin1")));
    assert.throws(() => new HpackDecoder().decode(client.blocks[1].block), isHpackError);
  } finally {
    await close(client);
  }
});

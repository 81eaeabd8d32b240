// HPACK (RFC 7541) header compression for our HTTP/2 gRPC transport.
//
// Strings are latin1 JS strings, so one char is one octet: a string's length is its size on
// the wire and in the table accounting (RFC 7541 §4.1), and arbitrary bytes round-trip.
// The encoder never Huffman-encodes (CPU over bytes); the decoder accepts everything RFC 7541
// allows, since peers such as nghttp2 Huffman-encode whenever it is shorter.

/** A header field: lowercase name, value as a latin1 string (each char code is one octet, so bytes round-trip). */
export type HeaderField = readonly [name: string, value: string];

/** A malformed header block: the connection must end with COMPRESSION_ERROR (RFC 7540 §4.3). */
export class HpackError extends Error {
  override name = "HpackError";
}

/**
 * A well-formed header block whose header list (RFC 7540 §6.5.2: name + value + 32 per field)
 * exceeds the caller's limit. The dynamic table was fully updated, so the connection can go on;
 * only the stream is refused (e.g. 431 or RST_STREAM).
 */
export class HeaderListTooLargeError extends Error {
  override name = "HeaderListTooLargeError";
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`header list of ${size} bytes is larger than the limit of ${limit} bytes`);
  }
}

/** The protocol's initial SETTINGS_HEADER_TABLE_SIZE. */
const DEFAULT_TABLE_SIZE = 4096;
/** The encoder never uses more, whatever the peer allows: bounded memory, and small tables already catch gRPC's repeats. */
const ENCODER_TABLE_LIMIT = 4096;
/** RFC 7541 §4.1: the per-entry overhead. */
const ENTRY_OVERHEAD = 32;
/** Integers above this are not sizes or indices any sane peer sends. */
const MAX_INT = 0x7fffffff;
/** Scratch buffers (encoder output, Huffman output) start at this size, and are not kept when grown past the maximum. */
const SCRATCH_INITIAL = 1024;
const SCRATCH_MAX = 64 * 1024;

// Buffer's latin1 fast paths: undocumented (missing from @types/node) but present since Node 0.x;
// they skip the encoding-name dispatch of toString/write, which shows on short header strings.
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length: number): number;
}

// ---------------------------------------------------------------------------------------------
// Static table (RFC 7541 Appendix A). Index 0 is a placeholder so that STATIC[i] is index i.

const STATIC: readonly HeaderField[] = [
  ["", ""],
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];
const STATIC_COUNT = STATIC.length - 1;

/** Name → its first static index; entries sharing a name are consecutive, so exact matches are a short scan from there. */
const STATIC_NAME = new Map<string, number>();
for (let i = STATIC_COUNT; i >= 1; i--) STATIC_NAME.set(STATIC[i][0], i);

// ---------------------------------------------------------------------------------------------
// Huffman code (RFC 7541 Appendix B). The code is canonical (codes of one length are consecutive
// in symbol order, shorter lengths first), so the bit lengths alone define it; they are listed
// here for symbols 0..255 and EOS (256), 16 per row.

// biome-ignore format: a table of 16 lengths a row (the first symbol of each row in the comment)
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16
   6, 10, 10, 12, 13,  6,  8, 11, 10, 10,  8, 11,  8,  6,  6,  6, //  32 ' '
   5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8, 15,  6, 12, 10, //  48 '0'
  13,  6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7, //  64 '@'
   7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8, 13, 19, 13, 14,  6, //  80 'P'
  15,  5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5, //  96 '`'
   6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7, 15, 11, 14, 13, 28, // 112 'p'
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240
  30,                                                             // EOS
];
const EOS = 256;

// The decoder walks the code tree 4 bits at a time. A state is an internal node of the tree
// (256 of them for 257 leaves; 0 is the root), and HUFFMAN_STEP[state << 4 | nibble] holds the
// next state (bits 0-7), whether a symbol completed (EMIT, symbol in bits 16-23) or EOS was
// reached (FAIL). Codes are at least 5 bits long, so a nibble completes at most one symbol.
const EMIT = 0x100;
const FAIL = 0x200;
const HUFFMAN_STEP = new Uint32Array(256 * 16);
/** States a string may end in: the root, or up to 7 bits down the all-ones path (EOS's prefix), i.e. valid padding. */
const HUFFMAN_ACCEPT = new Uint8Array(256);

function buildHuffmanDecoder(): void {
  // child[node * 2 + bit]: an internal node (> 0; the root is never a child), or ~symbol for a leaf.
  const child = new Int32Array(512);
  let nodes = 1;
  let code = 0;
  for (let len = 1; len <= 30; len++) {
    for (let sym = 0; sym <= EOS; sym++) {
      if (HUFFMAN_LENGTHS[sym] !== len) continue;
      let node = 0;
      for (let bit = len - 1; bit > 0; bit--) {
        const slot = node * 2 + ((code >>> bit) & 1);
        if (child[slot] === 0) child[slot] = nodes++;
        node = child[slot];
      }
      child[node * 2 + (code & 1)] = ~sym;
      code++;
    }
    // A complete prefix code fills exactly 2^30 codes of 30 bits: this catches any mistyped length.
    if (len === 30 && code !== 1 << 30) throw new Error("hpack: Huffman code lengths do not form a complete code");
    code <<= 1;
  }
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let step = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const next = child[node * 2 + ((nibble >>> bit) & 1)];
        if (next >= 0) {
          node = next;
          continue;
        }
        if (~next === EOS) {
          step = FAIL;
          break;
        }
        step = EMIT | (~next << 16);
        node = 0;
      }
      HUFFMAN_STEP[(state << 4) | nibble] = step | node;
    }
  }
  for (let node = 0, depth = 0; depth <= 7; depth++, node = child[node * 2 + 1]) HUFFMAN_ACCEPT[node] = 1;
}
buildHuffmanDecoder();

/** Decoded Huffman output lands here before becoming a string; grown on demand, shared (decoding is synchronous). */
let huffmanScratch = Buffer.allocUnsafe(SCRATCH_INITIAL) as Latin1Buffer;

function huffmanDecode(src: Uint8Array, start: number, end: number): string {
  // 5-bit minimum code length: at most 8/5 output octets per input octet.
  const need = (end - start) * 2;
  let out = huffmanScratch;
  if (out.length < need) {
    out = Buffer.allocUnsafe(Math.max(need, out.length * 2)) as Latin1Buffer;
    if (out.length <= SCRATCH_MAX) huffmanScratch = out; // a rare huge string is not kept around
  }
  let o = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const octet = src[i];
    const high = HUFFMAN_STEP[(state << 4) | (octet >>> 4)];
    if (high & EMIT) out[o++] = high >>> 16;
    const low = HUFFMAN_STEP[((high & 0xff) << 4) | (octet & 0xf)];
    if (low & EMIT) out[o++] = low >>> 16;
    // One check per octet: a FAIL step emits nothing, so whatever follows it is discarded here.
    if ((high | low) & FAIL) throw new HpackError("EOS in a Huffman-encoded string");
    state = low & 0xff;
  }
  if (!HUFFMAN_ACCEPT[state]) throw new HpackError("invalid Huffman padding");
  return out.latin1Slice(0, o);
}

// ---------------------------------------------------------------------------------------------
// Dynamic table (RFC 7541 §2.3.2, §4): a FIFO ring of entries addressed by insertion number.
// HPACK index 62 is the newest entry, so an entry's index is 62 + (newest number - its number):
// indices stay right as entries come and go without renumbering anything.

class DynamicTable {
  private ring: HeaderField[] = new Array<HeaderField>(16);
  private mask = 15;
  /** Insertion number of the oldest entry. */
  oldest = 0;
  /** Insertion number the next entry gets. */
  next = 0;
  size = 0;

  constructor(public maxSize: number) {}

  get count(): number {
    return this.next - this.oldest;
  }

  /** The entry at HPACK index 62 + i; the caller checks i < count. */
  at(i: number): HeaderField {
    return this.ring[(this.next - 1 - i) & this.mask];
  }

  /** The HPACK index of the entry with insertion number n. */
  indexOf(n: number): number {
    return STATIC_COUNT + this.next - n;
  }

  /** Returns whether it was added: an entry larger than the table empties it and is dropped (§4.4). */
  add(field: HeaderField): boolean {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD;
    while (this.size + size > this.maxSize && this.next !== this.oldest) this.evictOldest();
    if (size > this.maxSize) return false;
    if (this.count > this.mask) this.grow();
    this.ring[this.next & this.mask] = field;
    this.next++;
    this.size += size;
    return true;
  }

  resize(maxSize: number): void {
    this.maxSize = maxSize;
    while (this.size > maxSize) this.evictOldest();
  }

  protected evicted(_field: HeaderField): void {}

  private evictOldest(): void {
    const slot = this.oldest++ & this.mask;
    const field = this.ring[slot];
    this.ring[slot] = STATIC[0]; // drop the reference
    this.size -= field[0].length + field[1].length + ENTRY_OVERHEAD;
    this.evicted(field);
  }

  private grow(): void {
    const mask = this.mask * 2 + 1;
    const ring = new Array<HeaderField>(mask + 1);
    for (let n = this.oldest; n < this.next; n++) ring[n & mask] = this.ring[n & this.mask];
    this.ring = ring;
    this.mask = mask;
  }
}

/**
 * The dynamic-table entries sharing one name: value → insertion number, and the newest one's
 * number (for a name reference). A value is in the table at most once, since the encoder
 * references a present one rather than adding it again.
 */
interface NameEntries {
  newest: number;
  readonly values: Map<string, number>;
}

/**
 * The encoder's table also finds entries by name, then value. Two nested lookups, not one keyed
 * on name + "\0" + value: such a key is a fresh string per field that V8 must flatten and hash
 * on every lookup, which measured ~8x slower than the nested form.
 */
class EncoderTable extends DynamicTable {
  readonly names = new Map<string, NameEntries>();

  insert(name: string, value: string): void {
    // Our own tuple: the caller's array may be reused after the call.
    if (!this.add([name, value])) return;
    const n = this.next - 1;
    const entries = this.names.get(name);
    if (entries === undefined) {
      this.names.set(name, { newest: n, values: new Map([[value, n]]) });
    } else {
      entries.newest = n;
      entries.values.set(value, n);
    }
  }

  protected override evicted(field: HeaderField): void {
    const entries = this.names.get(field[0]);
    if (entries === undefined) return;
    entries.values.delete(field[1]);
    // The oldest entries go first, so the newest of a name goes last: its number stays right until then.
    if (entries.values.size === 0) this.names.delete(field[0]);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder

export class HpackDecoder {
  private readonly table: DynamicTable;
  private readonly maxTableSize: number;
  /** Read position inside the block being decoded. */
  private pos = 0;

  /**
   * maxTableSize: the SETTINGS_HEADER_TABLE_SIZE we advertised (default 4096); a size update above it is an HpackError.
   * The table starts at that size (as RFC 7541 Appendix C assumes): advertising less than 4096 is only safe if the peer
   * cannot encode a block before it has our SETTINGS.
   */
  constructor(maxTableSize = DEFAULT_TABLE_SIZE) {
    if (!Number.isInteger(maxTableSize) || maxTableSize < 0 || maxTableSize > 0xffffffff) {
      throw new RangeError(`invalid HPACK table size ${maxTableSize}`);
    }
    this.maxTableSize = maxTableSize;
    this.table = new DynamicTable(maxTableSize);
  }

  /**
   * Decodes one complete header block (HEADERS + CONTINUATION payloads already joined). Throws HpackError.
   * maxListBytes (default Infinity): RFC 7540 header list size (sum of name.length + value.length + 32); over it →
   * throws HeaderListTooLargeError, but only after the whole block was processed so the dynamic table stays in sync.
   */
  decode(block: Uint8Array, maxListBytes = Infinity): HeaderField[] {
    const buf = (
      Buffer.isBuffer(block) ? block : Buffer.from(block.buffer, block.byteOffset, block.byteLength)
    ) as Latin1Buffer;
    const end = buf.length;
    const fields: HeaderField[] = [];
    let listSize = 0;
    this.pos = 0;
    while (this.pos < end) {
      const first = buf[this.pos];
      let field: HeaderField;
      if (first & 0x80) {
        field = this.entry(this.int(buf, 0x7f));
      } else if (first & 0x40) {
        field = this.literal(buf, this.int(buf, 0x3f));
        this.table.add(field);
      } else if (first & 0x20) {
        // §4.2: size updates may only lead the block (several may: lowest first, then final).
        if (listSize !== 0) throw new HpackError("dynamic table size update after a header field");
        const size = this.int(buf, 0x1f);
        if (size > this.maxTableSize)
          throw new HpackError(`dynamic table size update to ${size} above the limit of ${this.maxTableSize}`);
        this.table.resize(size);
        continue;
      } else {
        // Without indexing (0000) and never indexed (0001) decode alike; the bit only matters to intermediaries.
        field = this.literal(buf, this.int(buf, 0x0f));
      }
      listSize += field[0].length + field[1].length + ENTRY_OVERHEAD;
      // Past the limit, keep decoding (for the table) but stop collecting: an indexed field is one
      // octet on the wire but up to a table's worth of header list.
      if (listSize <= maxListBytes) fields.push(field);
    }
    if (listSize > maxListBytes) throw new HeaderListTooLargeError(listSize, maxListBytes);
    return fields;
  }

  private entry(index: number): HeaderField {
    if (index === 0) throw new HpackError("header field index 0");
    if (index <= STATIC_COUNT) return STATIC[index];
    const i = index - STATIC_COUNT - 1;
    if (i >= this.table.count) throw new HpackError(`header field index ${index} past the end of the table`);
    return this.table.at(i);
  }

  private literal(buf: Latin1Buffer, nameIndex: number): HeaderField {
    // The name is resolved before the new entry is added: adding it may evict the very entry it names.
    const name = nameIndex === 0 ? this.string(buf) : this.entry(nameIndex)[0];
    return [name, this.string(buf)];
  }

  private string(buf: Latin1Buffer): string {
    if (this.pos >= buf.length) throw new HpackError("truncated header block: missing string");
    const huffman = buf[this.pos] & 0x80;
    const length = this.int(buf, 0x7f);
    const start = this.pos;
    if (length > buf.length - start) throw new HpackError("truncated header block: string past the end");
    this.pos = start + length;
    return huffman ? huffmanDecode(buf, start, start + length) : buf.latin1Slice(start, start + length);
  }

  /** RFC 7541 §5.1 prefixed integer; `mask` is the prefix's all-ones value. */
  private int(buf: Uint8Array, mask: number): number {
    let pos = this.pos;
    if (pos >= buf.length) throw new HpackError("truncated header block: missing integer");
    let value = buf[pos++] & mask;
    if (value === mask) {
      let octet: number;
      let shift = 0;
      do {
        if (pos >= buf.length) throw new HpackError("truncated header block: integer past the end");
        // Five continuation octets hold 35 bits, more than MAX_INT: a sixth is padding or an attack.
        if (shift > 28) throw new HpackError("HPACK integer too long");
        octet = buf[pos++];
        value += (octet & 0x7f) * (1 << shift); // a multiply, not <<: the sum may pass 2^31
        shift += 7;
      } while (octet & 0x80);
      if (value > MAX_INT) throw new HpackError("HPACK integer too large");
    }
    this.pos = pos;
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoder

// Literal representations' first-octet patterns (RFC 7541 §6.2).
const WITH_INDEXING = 0x40; // 6-bit name index
const WITHOUT_INDEXING = 0x00; // 4-bit name index
const NEVER_INDEXED = 0x10; // 4-bit name index

/**
 * Names that are never worth a table entry. Secrets are "never indexed" so that no intermediary
 * indexes them either (§7.1.3, CRIME-style probing); per-call values would just churn the table.
 * Names ending in "-bin" (binary metadata, e.g. grpc-status-details-bin) are per-call too.
 */
const NAME_MODE = new Map<string, number>([
  ["authorization", NEVER_INDEXED],
  ["proxy-authorization", NEVER_INDEXED],
  ["cookie", NEVER_INDEXED],
  ["set-cookie", NEVER_INDEXED],
  ["grpc-timeout", WITHOUT_INDEXING],
  ["grpc-message", WITHOUT_INDEXING],
  ["x-request-id", WITHOUT_INDEXING],
  ["traceparent", WITHOUT_INDEXING],
  ["content-length", WITHOUT_INDEXING],
]);

/** Worst case for one field besides its strings: the representation's index plus two string lengths, 6 octets each. */
const FIELD_OVERHEAD = 18;
/** Short runs of octets are faster copied by hand than through a native call. */
const COPY_LOOP_MAX = 16;

function writeInt(buf: Buffer, pos: number, pattern: number, mask: number, value: number): number {
  if (value < mask) {
    buf[pos] = pattern | value;
    return pos + 1;
  }
  buf[pos++] = pattern | mask;
  value -= mask;
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos] = value;
  return pos + 1;
}

/** A raw string literal (H = 0). */
function writeString(buf: Latin1Buffer, pos: number, s: string): number {
  const length = s.length;
  pos = writeInt(buf, pos, 0, 0x7f, length);
  if (length <= COPY_LOOP_MAX) {
    for (let i = 0; i < length; i++) buf[pos + i] = s.charCodeAt(i);
  } else {
    buf.latin1Write(s, pos, length);
  }
  return pos + length;
}

export class HpackEncoder {
  private readonly table = new EncoderTable(DEFAULT_TABLE_SIZE);
  /** Blocks are written here, then copied out at their exact size: cheaper than slicing a per-call estimate. */
  private scratch = Buffer.allocUnsafe(SCRATCH_INITIAL) as Latin1Buffer;
  /** The table size to announce at the next block. */
  private nextSize = DEFAULT_TABLE_SIZE;
  /** The lowest size set since the last block: if the table shrank and grew back, both must be announced (§4.2). */
  private lowestSize = DEFAULT_TABLE_SIZE;

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE (initially 4096). When it shrinks below the current table size, the next
   * block starts with a dynamic table size update and entries are evicted; never use more than the peer allows.
   */
  setPeerMaxTableSize(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`invalid HPACK table size ${n}`);
    const size = Math.min(n, ENCODER_TABLE_LIMIT);
    this.nextSize = size;
    if (size < this.lowestSize) this.lowestSize = size;
  }

  /** Encodes one header block. */
  encode(headers: readonly HeaderField[]): Buffer {
    const table = this.table;
    let capacity = 2 * 6; // two size updates
    for (let i = 0; i < headers.length; i++) capacity += headers[i][0].length + headers[i][1].length + FIELD_OVERHEAD;
    let buf = this.scratch;
    if (capacity > buf.length) {
      buf = Buffer.allocUnsafe(capacity) as Latin1Buffer;
      // A rare huge block is returned in place rather than kept around as scratch.
      if (capacity <= SCRATCH_MAX) this.scratch = buf;
    }
    let pos = 0;

    if (this.lowestSize < table.maxSize && this.lowestSize < this.nextSize) {
      pos = writeInt(buf, pos, 0x20, 0x1f, this.lowestSize);
      table.resize(this.lowestSize);
    }
    if (this.nextSize !== table.maxSize) {
      pos = writeInt(buf, pos, 0x20, 0x1f, this.nextSize);
      table.resize(this.nextSize);
    }
    this.lowestSize = this.nextSize;
    // An entry above a quarter of the table would evict much of it for one likely-unique value.
    const indexableSize = table.maxSize / 4;

    for (let i = 0; i < headers.length; i++) {
      const field = headers[i];
      const name = field[0];
      const value = field[1];

      let nameIndex = STATIC_NAME.get(name) ?? 0;
      if (nameIndex !== 0) {
        let index = 0;
        for (let s = nameIndex; s <= STATIC_COUNT && STATIC[s][0] === name; s++) {
          if (STATIC[s][1] === value) {
            index = s;
            break;
          }
        }
        if (index !== 0) {
          pos = writeInt(buf, pos, 0x80, 0x7f, index);
          continue;
        }
      }

      const entries = table.names.get(name);
      if (entries !== undefined) {
        const n = entries.values.get(value);
        if (n !== undefined) {
          pos = writeInt(buf, pos, 0x80, 0x7f, table.indexOf(n));
          continue;
        }
        if (nameIndex === 0) nameIndex = table.indexOf(entries.newest);
      }

      let mode = NAME_MODE.get(name) ?? (name.endsWith("-bin") ? WITHOUT_INDEXING : WITH_INDEXING);
      if (mode === WITH_INDEXING && name.length + value.length + ENTRY_OVERHEAD > indexableSize)
        mode = WITHOUT_INDEXING;

      pos =
        mode === WITH_INDEXING
          ? writeInt(buf, pos, WITH_INDEXING, 0x3f, nameIndex)
          : writeInt(buf, pos, mode, 0x0f, nameIndex);
      if (nameIndex === 0) pos = writeString(buf, pos, name);
      pos = writeString(buf, pos, value);
      // After writing: the decoder resolves a name index before adding, and so must we.
      if (mode === WITH_INDEXING) table.insert(name, value);
    }
    if (buf !== this.scratch) return buf.subarray(0, pos);
    const out = Buffer.allocUnsafe(pos);
    if (pos <= COPY_LOOP_MAX) {
      for (let i = 0; i < pos; i++) out[i] = buf[i];
    } else {
      out.set(new Uint8Array(buf.buffer, buf.byteOffset, pos));
    }
    return out;
  }
}

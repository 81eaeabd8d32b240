// A client connection reads its socket into one reused buffer: the frame reader and the message
// reader must copy whatever they keep past a chunk, and pooled blocks must go back only once.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { BlockPool } from "../src/grpc/block-pool.js";
import { SingleMessageReader } from "../src/grpc/framing.js";
import { ConnectionError, ErrorCode, Flag, FrameReader, FrameType, frameHeader } from "../src/http2/frames.js";

interface Seen {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

const frame = (type: number, flags: number, streamId: number, payload: Buffer) =>
  Buffer.concat([frameHeader(payload.length, type, flags, streamId), payload]);

/**
 * Feeds `bytes` to a reader in chunks cut at `cuts`, each chunk copied into one scratch buffer
 * that is overwritten (with 0xEE) right after push(): whatever the reader kept as a view would
 * then read garbage.
 */
function feed(bytes: Buffer, cuts: number[], reused: boolean): Seen[] {
  const seen: Seen[] = [];
  const reader = new FrameReader(
    1 << 20,
    (type, flags, streamId, payload) => seen.push({ type, flags, streamId, payload: Buffer.from(payload) }),
    reused,
  );
  const scratch = Buffer.alloc(bytes.length);
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    if (to <= from) continue;
    const n = bytes.copy(scratch, 0, from, to);
    reader.push(scratch.subarray(0, n));
    scratch.fill(0xee);
    from = to;
  }
  return seen;
}

/** Joins the pieces of streamed DATA frames back into one frame per stream and END_STREAM. */
function joinData(seen: Seen[]): Seen[] {
  const out: Seen[] = [];
  for (const f of seen) {
    const last = out[out.length - 1];
    if (f.type === FrameType.DATA && last?.type === FrameType.DATA && last.streamId === f.streamId && !last.flags) {
      last.payload = Buffer.concat([last.payload, f.payload]);
      last.flags = f.flags;
    } else out.push({ ...f });
  }
  return out;
}

const stream = Buffer.concat([
  frame(FrameType.SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0, 0x10, 0])),
  frame(FrameType.HEADERS, Flag.END_HEADERS, 1, randomBytes(40)),
  frame(FrameType.DATA, 0, 1, randomBytes(300)),
  frame(FrameType.PING, 0, 0, randomBytes(8)),
  frame(FrameType.DATA, Flag.PADDED, 1, Buffer.concat([Buffer.from([3]), randomBytes(20), Buffer.alloc(3)])),
  frame(FrameType.DATA, 0, 3, Buffer.alloc(0)),
  frame(FrameType.DATA, Flag.END_STREAM, 1, randomBytes(700)),
  frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1, 0])),
]);

test("frames cut anywhere in a reused read buffer arrive intact, as from fresh chunks", () => {
  const whole = joinData(feed(stream, [], false));
  assert.equal(whole.length, 8);
  for (let a = 1; a < stream.length; a += 7) {
    for (let b = a; b < stream.length; b += 97) {
      const got = joinData(feed(stream, [a, b], true));
      assert.deepEqual(got, whole, `cut at ${a} and ${b}`);
    }
  }
  // Cut at every byte: each chunk is one byte.
  const bytewise = Array.from({ length: stream.length }, (_, i) => i);
  assert.deepEqual(joinData(feed(stream, bytewise, true)), whole);
});

test("a DATA frame is handed over as its bytes arrive, END_STREAM on its last piece only", () => {
  const data = randomBytes(1000);
  const seen = feed(frame(FrameType.DATA, Flag.END_STREAM, 5, data), [9, 300, 301, 700], true);
  assert.deepEqual(
    seen.map((f) => [f.payload.length, f.flags]),
    [
      [291, 0],
      [1, 0],
      [399, 0],
      [309, Flag.END_STREAM],
    ],
  );
  assert.deepEqual(Buffer.concat(seen.map((f) => f.payload)), data);
});

test("a frame over SETTINGS_MAX_FRAME_SIZE is refused from its header alone, even cut", () => {
  const reader = new FrameReader(16_384, () => {}, true);
  const head = frameHeader(16_385, FrameType.HEADERS, 0, 1);
  reader.push(head.subarray(0, 4));
  assert.throws(
    () => reader.push(head.subarray(4)),
    (e: unknown) => e instanceof ConnectionError && e.code === ErrorCode.FRAME_SIZE_ERROR,
  );
});

const framed = (payload: Buffer) => {
  const p = Buffer.alloc(5);
  p.writeUInt32BE(payload.length, 1);
  return Buffer.concat([p, payload]);
};

/** Pushes a framed message to `r` in chunks of `step`, through one scratch buffer overwritten after each push. */
function pushReused(r: SingleMessageReader, msg: Buffer, step: number): void {
  const scratch = Buffer.alloc(step);
  for (let off = 0; off < msg.length; off += step) {
    const n = msg.copy(scratch, 0, off, off + step);
    r.push(scratch.subarray(0, n));
    scratch.fill(0xee);
  }
}

test("a message read through a reused buffer is copied: into one buffer under a block, into blocks above", () => {
  const pool = new BlockPool(1024, 64 * 1024);
  const small = randomBytes(700);
  const r1 = new SingleMessageReader(1 << 20, "m", pool);
  pushReused(r1, framed(small), 333);
  assert.deepEqual(Buffer.from(r1.finish()), small);
  r1.release();
  assert.equal(pool.freeBlocks, 0, "a message under a block takes no block");

  const large = randomBytes(5000);
  const r2 = new SingleMessageReader(1 << 20, "m", pool);
  pushReused(r2, framed(large), 777);
  const pieces = r2.finishPieces();
  assert.deepEqual(
    pieces.map((p) => p.length),
    [1024, 1024, 1024, 1024, 904],
  );
  assert.deepEqual(Buffer.concat(pieces), large);
  assert.equal(pool.freeBlocks, 0, "blocks stay out until released");
  r2.release();
  assert.equal(pool.freeBlocks, 5);
  r2.release();
  assert.equal(pool.freeBlocks, 5, "a second release gives nothing back twice");

  // finish() joins into the caller's own buffer and gives the blocks back at once.
  const r3 = new SingleMessageReader(1 << 20, "m", pool);
  pushReused(r3, framed(large), 4096);
  assert.equal(pool.freeBlocks, 0, "the free blocks were taken again");
  assert.deepEqual(Buffer.from(r3.finish()), large);
  assert.equal(pool.freeBlocks, 5);
});

test("a message refused or dropped mid-way gives its blocks back, and holds no more than arrived plus a block", () => {
  const pool = new BlockPool(1024, 64 * 1024);
  const r = new SingleMessageReader(1 << 20, "m", pool);
  const msg = framed(randomBytes(100_000));
  r.push(msg.subarray(0, 2500));
  // 2,495 body bytes arrived: three blocks, though the prefix declared 100,000 bytes.
  r.release();
  assert.equal(pool.freeBlocks, 3);
  assert.throws(() => r.push(Buffer.concat([msg.subarray(2500), Buffer.from([0])])), /more than one message/);
});

test("the pool refuses a block given back twice or not its own, and keeps at most maxFreeBytes", () => {
  const pool = new BlockPool(1024, 2048);
  const [a, b, c] = [pool.take(), pool.take(), pool.take()];
  pool.give([a]);
  assert.throws(() => pool.give([a]), /given back twice/);
  assert.throws(() => pool.give([Buffer.alloc(10)]), /not a block of this pool/);
  pool.give([b, c]);
  assert.equal(pool.freeBlocks, 2, "the third block is left to the GC");
  assert.equal(pool.take(), b);
});

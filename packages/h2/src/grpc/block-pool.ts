/**
 * Fixed-size blocks that received messages are copied into, and that go back to a free list once
 * their owner has written them out. Allocating fresh memory for every large response made V8 run
 * a full GC every ~50 ms on the httpgrpc forwarder at 256 KiB bodies (external memory drives
 * V8's GC pacing); reused blocks allocate nothing once the pool is warm.
 *
 * The one rule: a block goes back (give()) only when nothing refers to its bytes any more. A
 * block never given back is simply garbage collected, so an owner that cannot tell when its
 * bytes are done with (a caller that keeps the message) never gives it back.
 */
export class BlockPool {
  private readonly free: Buffer[] = [];
  /** The same blocks, to refuse one given back twice (two owners would then share it). */
  private readonly freeSet = new Set<Buffer>();
  private out = 0;

  constructor(
    /** Bytes per block. */
    readonly blockBytes = 64 * 1024,
    /** Most bytes kept on the free list; blocks given back past it are left to the GC. */
    readonly maxFreeBytes = 16 * 1024 * 1024,
  ) {}

  /** A block of blockBytes, its content undefined. */
  take(): Buffer {
    this.out++;
    const b = this.free.pop();
    if (!b) return Buffer.allocUnsafeSlow(this.blockBytes);
    this.freeSet.delete(b);
    return b;
  }

  /** Gives back blocks that came from take() and that nothing refers to any more. */
  give(blocks: readonly Buffer[]): void {
    for (const b of blocks) {
      if (b.length !== this.blockBytes || b.byteOffset !== 0) throw new Error("not a block of this pool");
      if (this.freeSet.has(b)) throw new Error("a block given back twice");
      this.out--;
      if ((this.free.length + 1) * this.blockBytes > this.maxFreeBytes) continue;
      this.free.push(b);
      this.freeSet.add(b);
    }
  }

  /** Blocks taken and not given back yet: in use, or lost to the GC by an owner that kept them. */
  get outstanding(): number {
    return this.out;
  }

  /** Blocks on the free list now. */
  get freeBlocks(): number {
    return this.free.length;
  }
}

/** The pool of every client connection in the process. */
export const receiveBlocks = new BlockPool();

/**
 * @acme/watch: the machinery of a server-streaming Watch call, shared by @acme/grpc-health
 * (Health.Watch) and @acme/monitoring (MonitoringService.WatchStatus). Private to this
 * repository: the packages that use it compile it into their own build.
 */

/** The callbacks that end every open Watch stream of one source at once (the server is going away). */
export class WatchEnds {
  readonly #callbacks = new Set<() => void>();

  /** Registers a callback run by endAll(); returns the unregister function. */
  add(end: () => void): () => void {
    this.#callbacks.add(end);
    return () => this.#callbacks.delete(end);
  }

  /** Ends every open stream. */
  endAll(): void {
    for (const end of [...this.#callbacks]) end();
  }
}

export interface WatchFeedOptions<E> {
  /** Subscribes to the source's changes; returns the unsubscribe function. */
  subscribe(push: (change: E) => void): () => void;
  /** Registers this stream's end with the source (its onEndWatches); returns the unregister function. */
  onEndWatches(end: () => void): () => void;
  /** The call's signal: the stream ends when the call does. */
  signal: AbortSignal;
  /**
   * Keep only the latest change: changes that pile up while the client is slow are sent as one,
   * and what is held stays one change however many come. Default: every change, in order.
   */
  latestOnly?: boolean;
}

/**
 * The changes one Watch call sends, from its subscription to its end. It subscribes when built,
 * before the call sends its first answer, so no change in between is missed. next() waits for
 * changes, for the call to end or for the source to end every watch, whichever comes first;
 * changes that came before the end are still handed out (a shutdown's NOT_SERVING above all).
 * close() (in the stream's `finally`) unsubscribes.
 */
export class WatchFeed<E> {
  #pending: E[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #cleanup: (() => void)[];

  constructor(options: WatchFeedOptions<E>) {
    const end = () => {
      this.#ended = true;
      this.#wake?.();
    };
    const unsubscribe = options.subscribe((change) => {
      if (options.latestOnly) this.#pending = [change];
      else this.#pending.push(change);
      this.#wake?.();
    });
    const unregister = options.onEndWatches(end);
    options.signal.addEventListener("abort", end, { once: true });
    this.#cleanup = [unsubscribe, unregister, () => options.signal.removeEventListener("abort", end)];
  }

  /** The changes since the last call, in order; undefined once the stream has ended and none are left. */
  async next(): Promise<E[] | undefined> {
    while (this.#pending.length === 0 && !this.#ended) await new Promise<void>((r) => (this.#wake = r));
    this.#wake = undefined;
    if (this.#pending.length === 0) return undefined;
    return this.#pending.splice(0);
  }

  /** Unsubscribes from the source and the call. */
  close(): void {
    for (const f of this.#cleanup.splice(0)) f();
  }
}

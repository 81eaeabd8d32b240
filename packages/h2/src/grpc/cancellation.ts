/**
 * The cancellation of one call, cheaper than an AbortController per call (which cost ~5% of the
 * backend's CPU in bench/httpgrpc.ts): plain callbacks, and an AbortSignal only when someone asks.
 */
export class Cancellation {
  cancelled = false;
  reason: unknown = undefined;
  private controller?: AbortController;
  private listeners?: (() => void)[];

  constructor(private readonly external?: AbortSignal) {
    if (external) {
      if (external.aborted) this.cancel(external.reason);
      else external.addEventListener("abort", () => this.cancel(external.reason), { once: true });
    }
  }

  /** An AbortSignal that aborts with the call, created on first use. */
  get signal(): AbortSignal {
    if (this.external) return this.external;
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const ls = this.listeners;
    this.listeners = undefined;
    if (ls) for (const f of ls) f();
  }

  /** Runs f on cancellation (at once if already cancelled); returns an unsubscribe function. */
  onCancel(f: () => void): () => void {
    if (this.cancelled) {
      f();
      return () => {};
    }
    this.listeners ??= [];
    this.listeners.push(f);
    return () => {
      const i = this.listeners?.indexOf(f) ?? -1;
      if (i >= 0) this.listeners!.splice(i, 1);
    };
  }
}

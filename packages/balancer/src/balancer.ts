import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { watchEndpoints, type EndpointWatch, type KubernetesOptions, type KubernetesTarget } from "./kubernetes.js";
import { parseTarget, resolveTarget, type LookupFn, type Target } from "./resolver.js";

export type Policy = "round_robin" | "least_outstanding";

/**
 * How a failed call relates to its endpoint:
 * - "none":   the endpoint answered (an application error); it stays in rotation, no retry;
 * - "unsent": the endpoint failed before anything of the call was sent (connect refused,
 *             DNS, a closing session): eject it; retrying elsewhere is always safe;
 * - "sent":   the endpoint failed after the call was (maybe) sent (connection reset mid-call):
 *             eject it; retry only when the call is idempotent.
 * - "timeout": the endpoint did not answer within the call's deadline (a hung or overloaded
 *             backend): eject it, as outlier detection does; never retried, the deadline is spent.
 */
export type FailureKind = "none" | "unsent" | "sent" | "timeout";

export interface BalancerOptions<C> {
  /** A target string (dns:///host:port, direct://host:port, host:port) or a static list of host:port. */
  target: string | readonly string[];
  /** Opens a persistent connection to one address ("host:port"). Called once per address, lazily reused. */
  connect(address: string): C;
  /** Closes a connection whose address left the resolved set, or on close(). */
  close(conn: C): Promise<void> | void;
  policy?: Policy;
  /** DNS re-resolution period. Default 30_000 ms. */
  resolveIntervalMs?: number;
  ejectBackoff?: BackoffOptions;
  /** Attempts per run() including the first. Default 3. */
  maxAttempts?: number;
  /** Classifies a failure thrown by a run() callback. Default: every error is "none". */
  classify?(err: unknown): FailureKind;
  /** Replaces the system resolver (tests, custom discovery). */
  lookup?: LookupFn;
  /** Called when re-resolution fails (the previous endpoints are kept). */
  onResolveError?(err: unknown): void;
  /** kubernetes:// targets: how to reach the API server (default: in-cluster, else the kubeconfig). */
  kubernetes?: KubernetesOptions;
}

export interface EndpointState {
  address: string;
  outstanding: number;
  /** Consecutive failures; 0 when healthy. */
  failures: number;
  ejected: boolean;
}

/** One picked endpoint; call release() exactly once when the call ends. */
export interface Lease<C> {
  readonly address: string;
  readonly conn: C;
  /** Ends the call; "failure" ejects the endpoint with backoff, "ok" clears its failures. */
  release(outcome?: "ok" | "failure" | "neutral"): void;
}

export interface RunOptions {
  /** The call may be re-sent after a "sent" failure. */
  idempotent?: boolean;
  /** Stops retrying once aborted. */
  signal?: AbortSignal;
  classify?(err: unknown): FailureKind;
}

export interface Balancer<C> {
  /** Resolves once the first resolution finished (rejects if it failed). */
  ready(): Promise<void>;
  /** Picks an endpoint by policy, skipping ejected ones and `exclude`. Throws NoEndpointsError when none. */
  pick(exclude?: ReadonlySet<string>): Promise<Lease<C>>;
  /** Ejects an endpoint as if a call on it failed. */
  reportFailure(address: string): void;
  /** Runs fn on a picked endpoint, retrying on another one when the failure allows it (see FailureKind). */
  run<T>(fn: (conn: C, address: string, attempt: number) => Promise<T>, opts?: RunOptions): Promise<T>;
  /** Snapshot of every endpoint. */
  endpoints(): EndpointState[];
  /** Re-resolves now. */
  refresh(): Promise<void>;
  /** Stops re-resolution and closes every connection. */
  close(): Promise<void>;
}

/** No endpoint can take the call: none resolved, or every candidate was already tried. */
export class NoEndpointsError extends Error {
  override name = "NoEndpointsError";
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

interface Endpoint<C> {
  address: string;
  conn: C;
  outstanding: number;
  failures: number;
  ejectedUntil: number;
  removed: boolean;
}

export function createBalancer<C>(opts: BalancerOptions<C>): Balancer<C> {
  const target: Target = parseTarget(opts.target);
  const policy = opts.policy ?? "round_robin";
  if (policy !== "round_robin" && policy !== "least_outstanding") {
    throw new Error(`unknown balancer policy "${String(policy)}": use "round_robin" or "least_outstanding"`);
  }
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
  const defaultClassify = opts.classify ?? (() => "none" as const);
  let list: Endpoint<C>[] = [];
  const byAddress = new Map<string, Endpoint<C>>();
  let rr = 0;
  let closed = false;
  let lastResolveError: unknown;
  let resolving: Promise<void> | undefined;

  function closeEndpoint(e: Endpoint<C>): void {
    void Promise.resolve()
      .then(() => opts.close(e.conn))
      .catch(() => {});
  }

  function apply(addresses: string[]): void {
    const next: Endpoint<C>[] = [];
    const keep = new Set(addresses);
    for (const a of addresses) {
      let e = byAddress.get(a);
      if (!e) {
        e = { address: a, conn: opts.connect(a), outstanding: 0, failures: 0, ejectedUntil: 0, removed: false };
        byAddress.set(a, e);
      }
      next.push(e);
    }
    for (const [a, e] of byAddress) {
      if (keep.has(a)) continue;
      byAddress.delete(a);
      e.removed = true;
      // In-flight calls finish on the old connection; it closes when the last one releases.
      if (e.outstanding === 0) closeEndpoint(e);
    }
    list = next;
  }

  // kubernetes:// targets are pushed by a watch (kubernetes.ts), not polled: each event is applied as it comes.
  let watch: EndpointWatch | undefined;
  function startWatch(t: KubernetesTarget): Promise<void> {
    const report = (err: unknown) => {
      if (err === lastResolveError) return;
      lastResolveError = err;
      opts.onResolveError?.(err);
    };
    watch = watchEndpoints(
      t,
      opts.kubernetes ?? {},
      (addresses) => {
        lastResolveError = undefined;
        if (!closed) apply(addresses);
      },
      report,
    );
    return watch.ready.catch(report);
  }

  function refresh(): Promise<void> {
    if (closed || watch) return Promise.resolve();
    resolving ??= resolveTarget(target, opts.lookup)
      .then(
        (addresses) => {
          lastResolveError = undefined;
          if (!closed) apply(addresses);
        },
        (err) => {
          lastResolveError = err;
          opts.onResolveError?.(err);
        },
      )
      .finally(() => {
        resolving = undefined;
      });
    return resolving;
  }

  const first = target.kind === "kubernetes" ? startWatch(target) : refresh();
  let timer: NodeJS.Timeout | undefined;
  if (target.kind === "dns") {
    timer = setInterval(() => void refresh(), opts.resolveIntervalMs ?? 30_000);
    timer.unref();
  }
  let initialised = false;
  void first.then(() => (initialised = true));

  function choose(exclude: ReadonlySet<string> | undefined): Endpoint<C> | undefined {
    const n = list.length;
    if (n === 0) return undefined;
    const now = Date.now();
    const start = rr++ % n;
    if (rr > 1e9) rr = 0;
    let best: Endpoint<C> | undefined;
    let fallback: Endpoint<C> | undefined; // soonest-to-return ejected endpoint, used when all are ejected
    for (let i = 0; i < n; i++) {
      const e = list[(start + i) % n];
      if (exclude?.has(e.address)) continue;
      // Back from ejection but not yet proven healthy: one probe call at a time, so that an
      // endpoint that still hangs holds one call until its deadline, not its share of the traffic.
      const probing = e.failures > 0 && e.outstanding > 0;
      if (e.ejectedUntil > now || probing) {
        if (!fallback || e.ejectedUntil < fallback.ejectedUntil) fallback = e;
        continue;
      }
      if (policy === "round_robin") return e;
      if (!best || e.outstanding < best.outstanding) best = e;
    }
    return best ?? fallback;
  }

  function markFailure(e: Endpoint<C>): void {
    const now = Date.now();
    // Calls that were in flight together fail together: count them as one failure.
    if (e.ejectedUntil > now) return;
    e.failures++;
    e.ejectedUntil = now + backoffDelay(e.failures, opts.ejectBackoff);
  }

  function lease(e: Endpoint<C>): Lease<C> {
    e.outstanding++;
    let done = false;
    return {
      address: e.address,
      conn: e.conn,
      release(outcome = "neutral") {
        if (done) return;
        done = true;
        e.outstanding--;
        if (outcome === "failure") markFailure(e);
        else if (outcome === "ok" && e.failures > 0 && e.ejectedUntil <= Date.now()) {
          e.failures = 0;
          e.ejectedUntil = 0;
        }
        if (e.removed && e.outstanding === 0) closeEndpoint(e);
      },
    };
  }

  function pickSync(exclude?: ReadonlySet<string>): Lease<C> {
    if (closed) throw new NoEndpointsError("balancer is closed");
    const e = choose(exclude);
    if (!e) {
      if (list.length === 0) {
        const why = lastResolveError instanceof Error ? `: ${lastResolveError.message}` : "";
        throw new NoEndpointsError(`no endpoints resolved for ${describe(opts.target)}${why}`, lastResolveError);
      }
      throw new NoEndpointsError(`all ${list.length} endpoint(s) of ${describe(opts.target)} failed`);
    }
    return lease(e);
  }

  async function pick(exclude?: ReadonlySet<string>): Promise<Lease<C>> {
    if (!initialised) await first;
    if (list.length === 0 && !closed) await refresh();
    return pickSync(exclude);
  }

  async function run<T>(
    fn: (conn: C, address: string, attempt: number) => Promise<T>,
    ro: RunOptions = {},
  ): Promise<T> {
    const classify = ro.classify ?? defaultClassify;
    const tried = new Set<string>();
    let lastErr: unknown;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let l: Lease<C>;
      try {
        l = initialised && list.length > 0 ? pickSync(tried) : await pick(tried);
      } catch (err) {
        // Out of fresh endpoints: surface the last endpoint failure rather than "none left".
        if (lastErr !== undefined) throw lastErr;
        throw err;
      }
      try {
        const out = await fn(l.conn, l.address, attempt);
        l.release("ok");
        return out;
      } catch (err) {
        const kind = classify(err);
        l.release(kind === "none" ? "neutral" : "failure");
        if (kind === "none") throw err;
        lastErr = err;
        tried.add(l.address);
        const retryable = kind === "unsent" || (kind === "sent" && ro.idempotent === true);
        if (!retryable || ro.signal?.aborted) throw err;
      }
    }
    throw lastErr;
  }

  return {
    ready: async () => {
      await first;
      if (list.length === 0 && lastResolveError) throw lastResolveError;
    },
    pick,
    reportFailure(address) {
      const e = byAddress.get(address);
      if (e) markFailure(e);
    },
    run,
    endpoints: () =>
      list.map((e) => ({
        address: e.address,
        outstanding: e.outstanding,
        failures: e.failures,
        ejected: e.ejectedUntil > Date.now(),
      })),
    refresh,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await watch?.close();
      const all = [...byAddress.values()];
      byAddress.clear();
      list = [];
      await Promise.allSettled(all.map((e) => opts.close(e.conn)));
    },
  };
}

function describe(target: string | readonly string[]): string {
  return typeof target === "string" ? `"${target}"` : `[${target.join(", ")}]`;
}

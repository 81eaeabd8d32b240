import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import {
  DependencyKind,
  type DependencyStatus,
  DependencyStatusSchema,
  type GetStatusResponse,
  GetStatusResponseSchema,
  Status,
} from "./gen.js";
import { runCheck, type CheckFn, type CheckOutcome } from "./run-check.js";
import { WatchEnds } from "@acme/watch";

export interface DependencyCheck {
  /** Unique within the service, e.g. "orders-db". */
  name: string;
  kind?: DependencyKind;
  check: CheckFn;
  /** Each run gets this long before it counts as timed out (default 2000 ms). */
  timeoutMs?: number;
  /** Run every this many ms once start() is called; leave out for on demand only (GetStatus with refresh). */
  intervalMs?: number;
  /** A critical dependency that is down makes the aggregate DOWN (default true). */
  critical?: boolean;
}

/** Where the aggregate is mirrored as a health status; HealthStatusRegistry from @acme/grpc-health fits. */
export interface ServingStatusSink {
  setServing(service: string, serving: boolean): void;
}

export interface DependencyMonitorOptions {
  /** The service's name, reported by GetStatus, e.g. "payments". */
  service?: string;
  version?: string;
  /** Tie the aggregate to this health status: DOWN → NOT_SERVING, otherwise SERVING. */
  health?: ServingStatusSink;
  /** The health service name the aggregate drives (default "", the whole server). */
  healthService?: string;
}

interface Entry {
  spec: Required<Omit<DependencyCheck, "intervalMs">> & { intervalMs?: number };
  last?: CheckOutcome;
  running?: Promise<void>;
  timer?: ReturnType<typeof setInterval>;
}

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * The dependency checks of one service, their last results and the
 * aggregate. Checks run concurrently, each with its own timeout.
 * Dependencies that have not been checked yet (STATUS_UNSPECIFIED) do not
 * count towards the aggregate.
 */
export class DependencyMonitor {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<() => void>();
  readonly #watchEnds = new WatchEnds();
  readonly #startedAt = timestampNow();
  readonly #opts: DependencyMonitorOptions;
  #started = false;
  #lastAggregate: Status | undefined;

  constructor(options: DependencyMonitorOptions = {}) {
    this.#opts = options;
  }

  register(dep: DependencyCheck): this {
    const where = `monitoring: dependency ${JSON.stringify(dep?.name)}`;
    if (!dep || typeof dep.name !== "string" || dep.name === "")
      throw new TypeError(`monitoring: a dependency needs a non-empty name`);
    if (this.#entries.has(dep.name)) throw new Error(`${where} is already registered`);
    if (typeof dep.check !== "function") throw new TypeError(`${where}: check must be a function`);
    for (const k of ["timeoutMs", "intervalMs"] as const) {
      const v = dep[k];
      if (v !== undefined && !(Number.isFinite(v) && v > 0))
        throw new RangeError(`${where}: ${k} must be a positive number, got ${String(v)}`);
    }
    const entry: Entry = {
      spec: {
        name: dep.name,
        kind: dep.kind ?? DependencyKind.UNSPECIFIED,
        check: dep.check,
        timeoutMs: dep.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        intervalMs: dep.intervalMs,
        critical: dep.critical ?? true,
      },
    };
    this.#entries.set(dep.name, entry);
    if (this.#started) this.#schedule(entry);
    return this;
  }

  /** Starts the interval checks (each runs once at once). On-demand checks wait for checkAll(). */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    for (const e of this.#entries.values()) this.#schedule(e);
    return this;
  }

  /** Stops the interval checks and ends every WatchStatus stream. */
  stop(): void {
    this.#started = false;
    for (const e of this.#entries.values()) {
      clearInterval(e.timer);
      e.timer = undefined;
    }
    this.endWatches();
  }

  /** Runs every check now, concurrently (a check already running is awaited, not started twice). */
  async checkAll(): Promise<GetStatusResponse> {
    await Promise.all([...this.#entries.values()].map((e) => this.#run(e)));
    return this.status();
  }

  /** Runs one check now. */
  async checkOne(name: string): Promise<DependencyStatus> {
    const e = this.#entries.get(name);
    if (!e) throw new Error(`monitoring: no dependency named ${JSON.stringify(name)}`);
    await this.#run(e);
    return this.#dependencyStatus(e);
  }

  /** The last known status of the service and every dependency, in registration order. */
  status(): GetStatusResponse {
    const dependencies = [...this.#entries.values()].map((e) => this.#dependencyStatus(e));
    return create(GetStatusResponseSchema, {
      service: this.#opts.service ?? "",
      version: this.#opts.version ?? "",
      status: aggregate(dependencies),
      dependencies,
      startedAt: this.#startedAt,
    });
  }

  /** Calls `listener` after the aggregate or any dependency changes status; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onEndWatches(cb: () => void): () => void {
    return this.#watchEnds.add(cb);
  }

  /** Ends every open WatchStatus stream cleanly. */
  endWatches(): void {
    this.#watchEnds.endAll();
  }

  #schedule(e: Entry): void {
    if (e.spec.intervalMs === undefined || e.timer) return;
    void this.#run(e);
    e.timer = setInterval(() => void this.#run(e), e.spec.intervalMs);
    e.timer.unref?.();
  }

  #run(e: Entry): Promise<void> {
    e.running ??= runCheck(e.spec.check, e.spec.timeoutMs).then((outcome) => {
      const before = statusOf(e.last);
      e.last = outcome;
      e.running = undefined;
      if (statusOf(outcome) !== before) this.#changed();
    });
    return e.running;
  }

  #changed(): void {
    const agg = this.status().status;
    if (agg !== this.#lastAggregate) {
      this.#lastAggregate = agg;
      this.#opts.health?.setServing(this.#opts.healthService ?? "", agg !== Status.DOWN);
    }
    for (const l of [...this.#listeners]) l();
  }

  #dependencyStatus(e: Entry): DependencyStatus {
    const last = e.last;
    return create(DependencyStatusSchema, {
      name: e.spec.name,
      kind: e.spec.kind,
      status: statusOf(last),
      critical: e.spec.critical,
      ...(last && {
        latency: durationFromMs(Math.round(last.latencyMs)),
        error: last.error,
        lastChecked: timestampFromDate(last.finishedAt),
        timedOut: last.timedOut,
      }),
    });
  }
}

function statusOf(o: CheckOutcome | undefined): Status {
  if (!o) return Status.UNSPECIFIED;
  if (!o.ok) return Status.DOWN;
  return o.degraded ? Status.DEGRADED : Status.UP;
}

/** DOWN if a critical dependency is down, DEGRADED if any other checked one is not up, UP otherwise. */
export function aggregate(deps: DependencyStatus[]): Status {
  const checked = deps.filter((d) => d.status !== Status.UNSPECIFIED);
  if (checked.some((d) => d.critical && d.status === Status.DOWN)) return Status.DOWN;
  if (checked.some((d) => d.status !== Status.UP)) return Status.DEGRADED;
  return Status.UP;
}

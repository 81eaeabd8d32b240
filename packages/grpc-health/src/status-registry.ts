import { HealthCheckResponse_ServingStatus as ServingStatus } from "./gen.js";
import { WatchEnds } from "@acme/watch";

/** Most services a List call reports before it answers RESOURCE_EXHAUSTED (gRFC A90). */
export const MAX_LISTED_SERVICES = 100;

type Listener = (status: ServingStatus) => void;

/**
 * The serving status of each service, as the application sets it. The empty
 * name "" stands for the whole server and starts as SERVING.
 *
 * While shut down every service reads as NOT_SERVING, but the statuses the
 * application sets keep being recorded, so resume() brings back the latest
 * ones rather than a blanket SERVING.
 */
export class HealthStatusRegistry {
  readonly #statuses = new Map<string, ServingStatus>([["", ServingStatus.SERVING]]);
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #watchEnds = new WatchEnds();
  #shutDown = false;

  /** Sets the status of `service` ("" = the whole server); watchers hear of it if what they see changes. */
  setStatus(service: string, status: ServingStatus): void {
    if (typeof service !== "string")
      throw new TypeError(`health: service name must be a string, got ${typeof service}`);
    if (status !== ServingStatus.SERVING && status !== ServingStatus.NOT_SERVING && status !== ServingStatus.UNKNOWN) {
      throw new RangeError(
        `health: status of "${service}" must be SERVING, NOT_SERVING or UNKNOWN, got ${String(status)}`,
      );
    }
    const before = this.getStatus(service);
    this.#statuses.set(service, status);
    this.#notifyIfChanged(service, before);
  }

  /** Convenience for callers that only know up or down (e.g. the dependency monitor). */
  setServing(service: string, serving: boolean): void {
    this.setStatus(service, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  /** Forgets a service: Check answers NOT_FOUND and watchers see SERVICE_UNKNOWN. */
  clearStatus(service: string): void {
    const before = this.getStatus(service);
    this.#statuses.delete(service);
    this.#notifyIfChanged(service, before);
  }

  /** The status clients see, or undefined for an unknown service. */
  getStatus(service: string): ServingStatus | undefined {
    const s = this.#statuses.get(service);
    if (s === undefined) return undefined;
    return this.#shutDown ? ServingStatus.NOT_SERVING : s;
  }

  /** Every known service and the status clients see. */
  list(): Map<string, ServingStatus> {
    return new Map([...this.#statuses.keys()].map((k) => [k, this.getStatus(k)!]));
  }

  get isShutDown(): boolean {
    return this.#shutDown;
  }

  /** Every service reads NOT_SERVING until resume(). */
  shutdown(): void {
    this.#flip(true);
  }

  /** Undoes shutdown(): services read their latest set status again. */
  resume(): void {
    this.#flip(false);
  }

  /** Calls `listener` with the status clients see each time it changes; returns the unsubscribe function. */
  subscribe(service: string, listener: Listener): () => void {
    let set = this.#listeners.get(service);
    if (!set) {
      set = new Set();
      this.#listeners.set(service, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(service);
    };
  }

  /** Registers a callback run by endWatches(); returns the unregister function. */
  onEndWatches(cb: () => void): () => void {
    return this.#watchEnds.add(cb);
  }

  /** Ends every open Watch stream cleanly (status OK): the server is going away. */
  endWatches(): void {
    this.#watchEnds.endAll();
  }

  #flip(shutDown: boolean): void {
    if (this.#shutDown === shutDown) return;
    const before = new Map([...this.#statuses.keys()].map((k) => [k, this.getStatus(k)]));
    this.#shutDown = shutDown;
    for (const [service, status] of before) this.#notifyIfChanged(service, status);
  }

  #notifyIfChanged(service: string, before: ServingStatus | undefined): void {
    const after = this.getStatus(service);
    if (after === before) return;
    const seen = after ?? ServingStatus.SERVICE_UNKNOWN;
    for (const l of [...(this.#listeners.get(service) ?? [])]) l(seen);
  }
}

/** Exponential backoff for ejected endpoints. */
export interface BackoffOptions {
  /** First ejection, in ms. Default 250. */
  initialMs?: number;
  /** Cap, in ms. Default 10_000. */
  maxMs?: number;
  /** Growth per consecutive failure. Default 2. */
  multiplier?: number;
  /** Random spread, 0..1 (0.2 = ±20%), so replicas don't probe in lockstep. Default 0.2. */
  jitter?: number;
}

export function backoffDelay(failures: number, o: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = o.initialMs ?? 250;
  const max = o.maxMs ?? 10_000;
  const mult = o.multiplier ?? 2;
  const jitter = o.jitter ?? 0.2;
  const base = Math.min(max, initial * mult ** Math.max(0, failures - 1));
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

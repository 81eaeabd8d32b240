/** What one run of a dependency check found. */
export interface CheckOutcome {
  ok: boolean;
  degraded: boolean;
  timedOut: boolean;
  error: string;
  latencyMs: number;
  finishedAt: Date;
}

/**
 * A dependency check: resolves when the dependency works (or resolves
 * "degraded" when it works but is impaired), throws when it does not. The
 * signal aborts when the check's timeout passes. Any other value it resolves
 * to (a probe's Response, a row) means it works: only "degraded" is read.
 */
export type CheckFn = (signal: AbortSignal) => Promise<unknown>;

/**
 * Runs `check` with its own timeout. A check that ignores its signal and
 * hangs is still reported as timed out when the timeout passes; its promise
 * is left behind, and whatever it settles to later is ignored.
 */
export async function runCheck(check: CheckFn, timeoutMs: number): Promise<CheckOutcome> {
  const ac = new AbortController();
  const start = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve("timeout");
    }, timeoutMs);
  });
  const outcome = (partial: Omit<CheckOutcome, "latencyMs" | "finishedAt">): CheckOutcome => ({
    ...partial,
    latencyMs: performance.now() - start,
    finishedAt: new Date(),
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => check(ac.signal)), timedOut]);
    if (result === "timeout")
      return outcome({ ok: false, degraded: false, timedOut: true, error: `timed out after ${timeoutMs} ms` });
    return outcome({ ok: true, degraded: result === "degraded", timedOut: false, error: "" });
  } catch (err) {
    if (ac.signal.aborted)
      return outcome({ ok: false, degraded: false, timedOut: true, error: `timed out after ${timeoutMs} ms` });
    return outcome({
      ok: false,
      degraded: false,
      timedOut: false,
      error: err instanceof Error ? err.message : String(err),
    });
  } finally {
    clearTimeout(timer);
  }
}

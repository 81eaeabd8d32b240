// Waiting on a condition instead of sleeping: a test that sleeps and then
// asserts fails on a slow machine, one that waits for what it needs does not.
// There is deliberately no deadline (CI's job limit is the only one); a wait
// that takes long says so on stderr, so a hang still names what it waits for.
import { setTimeout as sleep } from "node:timers/promises";

/** How often the condition is re-checked. */
const POLL_MS = 5;
/** After this long, and every time again, a still-running wait reports itself. */
const REPORT_EVERY_MS = 60_000;

/**
 * Resolves once `condition()` returns true (or a promise of true), checking it
 * at once and then every few milliseconds. `what` names the condition in the
 * progress note printed while a wait drags on.
 */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const started = performance.now();
  let reportAt = started + REPORT_EVERY_MS;
  while (!(await condition())) {
    await sleep(POLL_MS);
    const now = performance.now();
    if (now >= reportAt) {
      process.stderr.write(`waitFor: still waiting for ${what} after ${Math.round((now - started) / 1000)} s\n`);
      reportAt = now + REPORT_EVERY_MS;
    }
  }
}

import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "./gen.js";

export interface WaitForServingOptions {
  /** Give up after this long (default 10 000 ms) with DEADLINE_EXCEEDED. */
  timeoutMs?: number;
  /** Pause between attempts when the server is unreachable or lacks Watch (default 200 ms). */
  retryDelayMs?: number;
  signal?: AbortSignal;
}

type HealthClient = Client<typeof Health>;

/**
 * Resolves once `service` ("" = the whole server) reports SERVING. Follows
 * Watch, so it wakes at the change rather than on a poll; an unreachable
 * server or a broken stream is retried, and a server without Watch
 * (UNIMPLEMENTED) is polled with Check.
 */
export async function waitForServing(
  clientOrTransport: HealthClient | Transport,
  service = "",
  options: WaitForServingOptions = {},
): Promise<void> {
  const client: HealthClient =
    "watch" in clientOrTransport ? clientOrTransport : createClient(Health, clientOrTransport);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let lastSeen = "no answer";
  let useWatch = true;
  while (!signal.aborted) {
    try {
      if (useWatch) {
        for await (const res of client.watch({ service }, { signal })) {
          lastSeen = ServingStatus[res.status] ?? String(res.status);
          if (res.status === ServingStatus.SERVING) return;
        }
      } else {
        const res = await client.check({ service }, { signal });
        lastSeen = ServingStatus[res.status] ?? String(res.status);
        if (res.status === ServingStatus.SERVING) return;
      }
    } catch (err) {
      if (signal.aborted) break;
      const ce = ConnectError.from(err);
      if (ce.code === Code.Unimplemented && useWatch) {
        useWatch = false;
        continue;
      }
      lastSeen = `${Code[ce.code]}: ${ce.rawMessage}`;
    }
    // A short pause; the deadline is checked again right after it.
    await new Promise((r) => setTimeout(r, Math.min(retryDelayMs, Math.max(0, timeoutMs))));
  }
  if (options.signal?.aborted) throw ConnectError.from(options.signal.reason, Code.Canceled);
  throw new ConnectError(
    `service "${service}" not SERVING within ${timeoutMs} ms (last seen: ${lastSeen})`,
    Code.DeadlineExceeded,
  );
}

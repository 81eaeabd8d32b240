// npm run bench:platform: what createServer's one-port listener and default
// interceptors cost. Connect JSON unary SayHello over HTTP/1.1, driven by
// autocannon, against each server variant in its own process. The figure
// that matters is the server's CPU time per request (robust on a shared
// machine); req/s and latency are shown too but follow the machine's load.
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Variant } from "./platform-server.js";

// autocannon ships no types; this is the part used here.
interface LoadResult {
  errors: number;
  non2xx: number;
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  opts: Record<string, unknown>,
) => Promise<LoadResult>;

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;
const VARIANTS: [Variant, string][] = [
  ["bare", "bare connectNodeAdapter on http.createServer"],
  ["platform", "createServer (one port + default interceptors)"],
  ["platform-unscoped", "createServer, traceScope: false"],
  ["platform-novalidate", "createServer, validate: false"],
];

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as T));
    child.send(msg);
  });
}

async function measure(variant: Variant) {
  const child = fork(fileURLToPath(new URL("./platform-server.ts", import.meta.url)), [variant], {
    execArgv: ["--import", "tsx"],
  });
  try {
    const { url } = await new Promise<{ url: string }>((resolve) =>
      child.once("message", (m) => resolve(m as { url: string })),
    );
    const load = () =>
      autocannon({
        url: `${url}/acme.greeter.v1.GreeterService/SayHello`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "bench" }),
        connections: CONNECTIONS,
        duration: DURATION_S,
      });
    await load(); // warm-up
    let best: { cpuPerReq: number; rps: number; p50: number; p99: number } | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      const before = await ask<{ cpuMicros: number }>(child, "cpu");
      const r = await load();
      const after = await ask<{ cpuMicros: number }>(child, "cpu");
      if (r.errors || r.non2xx) throw new Error(`bench ${variant}: ${r.errors} errors, ${r.non2xx} non-2xx responses`);
      const cpuPerReq = (after.cpuMicros - before.cpuMicros) / r.requests.total;
      if (!best || cpuPerReq < best.cpuPerReq)
        best = { cpuPerReq, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 };
    }
    return best!;
  } finally {
    child.send("exit");
  }
}

const rows: [string, Awaited<ReturnType<typeof measure>>][] = [];
for (const [variant, label] of VARIANTS) rows.push([label, await measure(variant)]);
console.log(
  `Connect JSON unary SayHello, HTTP/1.1, ${CONNECTIONS} connections; best of ${ROUNDS} rounds of ${DURATION_S} s\n`,
);
console.log("| server | server CPU µs/request | req/s | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |");
for (const [label, r] of rows)
  console.log(`| ${label} | ${Math.round(r.cpuPerReq)} | ${r.rps} | ${r.p50} | ${r.p99} |`);
const base = rows[0][1].cpuPerReq;
for (const [label, r] of rows.slice(1))
  console.log(
    `\n${label}: +${Math.round(r.cpuPerReq - base)} µs CPU per request (+${(100 * (r.cpuPerReq / base - 1)).toFixed(0)} %)`,
  );

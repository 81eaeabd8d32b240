// npm run bench:httpgrpc: req/s, p50 and p99 on loopback for four paths (direct, HTTP/1.1 proxy
// without keep-alive, keep-alive proxy, httpgrpc) and two response body sizes, with autocannon,
// the CPU each request cost the backend and the front end (from /proc, per path), and the issue's
// targets. Backend and front ends run in their own processes, on the built
// packages (run `npm run build` or `npm run build:packages` first).
// Env: BENCH_DURATION (s per round, default 4), BENCH_ROUNDS (default 3), BENCH_WARMUP (s per
// path, default 3), BENCH_CONNECTIONS (default 16). A full run takes about 2.5 minutes.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const duration = Number(process.env.BENCH_DURATION ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const warmup = Number(process.env.BENCH_WARMUP ?? 3);
const servers = fileURLToPath(new URL("./httpgrpc-servers.ts", import.meta.url));
const children: ChildProcess[] = [];

function start(args: string[]): Promise<Record<string, number> & { pid: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", servers, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench server ${args[0]} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (l) =>
      resolve({ ...(JSON.parse(l) as Record<string, number>), pid: child.pid! }),
    );
  });
}

/** CPU time (user + system) a process has used, in µs, from /proc (Linux; 0 elsewhere). */
function cpuMicros(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in 1/100 s ticks
  } catch {
    return 0;
  }
}

function stop(): void {
  for (const c of children) c.kill();
}
process.on("exit", stop);
process.on("SIGINT", () => process.exit(130));

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU per request in the backend and in the front end, µs. */
  backendUs: number;
  frontUs: number;
}

async function measure(url: string, seconds: number): Promise<Result> {
  const b0 = cpuMicros(backend.pid);
  const f0 = cpuMicros(front.pid);
  const r = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  const n = Math.max(1, r.requests.total);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx + r.timeouts,
    backendUs: (cpuMicros(backend.pid) - b0) / n,
    frontUs: (cpuMicros(front.pid) - f0) / n,
  };
}

const backend = await start(["backend"]);
const front = await start(["front", String(backend.http), String(backend.grpc)]);
const paths: [string, number][] = [
  ["direct to the backend", backend.http],
  ["HTTP/1.1 proxy, no keep-alive", front.noKeepAlive],
  ["HTTP/1.1 proxy, keep-alive", front.keepAlive],
  ["httpgrpc", front.httpgrpc],
];
const sizes: [string, number][] = [
  ["1 KiB", 1024],
  ["256 KiB", 256 * 1024],
];

const lines: string[] = [
  `autocannon, ${connections} connections, GET with a response body of the given size, Node ${process.version}; per path ${warmup} s warm-up, then ${rounds} rounds of ${duration} s interleaved with the other paths (req/s: mean of the rounds; p50/p99: median), so load from other processes on the machine hits every path alike.`,
  "",
  "| body | path | req/s | p50 ms | p99 ms | errors | backend CPU µs/req | front CPU µs/req |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
];
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const checks: string[] = [];
for (const [label, size] of sizes) {
  const runs: Record<string, Result[]> = {};
  for (const [name, port] of paths) {
    await measure(`http://127.0.0.1:${port}/bytes/${size}`, warmup); // connections, and the JIT for the longer httpgrpc path
    runs[name] = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, port] of paths)
      runs[name].push(await measure(`http://127.0.0.1:${port}/bytes/${size}`, duration));
  }
  const got: Record<string, Result> = {};
  for (const [name] of paths) {
    const rs = runs[name];
    const r: Result = {
      rps: rs.reduce((t, x) => t + x.rps, 0) / rs.length,
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      errors: rs.reduce((t, x) => t + x.errors, 0),
      backendUs: median(rs.map((x) => x.backendUs)),
      frontUs: median(rs.map((x) => x.frontUs)),
    };
    got[name] = r;
    const frontCell = name === "direct to the backend" ? "-" : r.frontUs.toFixed(0);
    lines.push(
      `| ${label} | ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.backendUs.toFixed(0)} | ${frontCell} |`,
    );
    process.stderr.write(
      `${label} ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms (rounds: ${rs.map((x) => x.rps.toFixed(0)).join(", ")} req/s)\n`,
    );
  }
  const g = got.httpgrpc;
  const nka = got["HTTP/1.1 proxy, no keep-alive"];
  const ka = got["HTTP/1.1 proxy, keep-alive"];
  const ok = (b: boolean) => (b ? "met" : "**missed**");
  const tp = g.rps / nka.rps;
  const p50vsNka = nka.p50 / Math.max(g.p50, 0.001);
  const p50vsKa = g.p50 / Math.max(ka.p50, 0.001);
  checks.push(
    `| ${label} | httpgrpc req/s ÷ no-keep-alive req/s ≥ 1.5 | ${tp.toFixed(2)} | ${ok(tp >= 1.5)} |`,
    `| ${label} | no-keep-alive p50 ÷ httpgrpc p50 ≥ 1.5 | ${p50vsNka.toFixed(2)} | ${ok(p50vsNka >= 1.5)} |`,
    `| ${label} | httpgrpc p50 ÷ keep-alive p50 ≤ 1.3 | ${p50vsKa.toFixed(2)} | ${ok(p50vsKa <= 1.3)} |`,
  );
}
lines.push("", "| body | target | measured | |", "| --- | --- | ---: | --- |", ...checks);
console.log(lines.join("\n"));
stop();
process.exit(0);

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
const size = Number(process.argv[2] ?? 262144);
function start(args: string[], extra: string[] = []) {
  const c = spawn(process.execPath, [...extra, "--import", "tsx", "bench/httpgrpc-servers.ts", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<[any, any]>((r) => createInterface({ input: c.stdout! }).once("line", (l) => r([JSON.parse(l), c])));
}
const [b, bc] = await start(["backend"], ["--cpu-prof", "--cpu-prof-dir=/tmp/httpgrpc-prof/backend"]);
const [f, fc] = await start(["front", String(b.http), String(b.grpc)], ["--cpu-prof", "--cpu-prof-dir=/tmp/httpgrpc-prof/front"]);
for (const d of [3, 5]) {
  const r = await autocannon({ url: `http://127.0.0.1:${f.httpgrpc}/bytes/${size}`, connections: 16, duration: d });
  console.log("httpgrpc", r.requests.average, r.latency.p50, r.latency.p99);
}
fc.kill("SIGINT"); bc.kill("SIGINT");
await new Promise((r) => setTimeout(r, 1500));
process.exit(0);

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import * as http from "node:http";
import { createHTTPClient } from "./packages/httpgrpc/src/client.js";
const c = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/httpgrpc-prof/b2", "--import", "tsx", "bench/httpgrpc-servers.ts", "backend"], { stdio: ["ignore", "pipe", "inherit"] });
const b: any = await new Promise((r) => createInterface({ input: c.stdout! }).once("line", (l) => r(JSON.parse(l))));
const size = Number(process.argv[2] ?? 1024);
const client = createHTTPClient({ target: [`127.0.0.1:${b.grpc}`] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const h1 = () => new Promise<void>((r) => http.get({ host: "127.0.0.1", port: b.http, path: `/bytes/${size}`, agent }, (res) => { res.resume(); res.on("end", r); }));
const g = () => client.handle({ method: "GET", url: `/bytes/${size}` }).then(() => {});
async function rate(fn: () => Promise<void>, n: number) {
  const t = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => { for (let i = 0; i < n; i++) await fn(); }));
  return (16 * n / ((performance.now() - t) / 1000)).toFixed(0);
}
for (let round = 0; round < 6; round++) console.log("httpgrpc", await rate(g, 200));
c.kill("SIGINT"); await new Promise((r) => setTimeout(r, 1000)); await client.close(); process.exit(0);

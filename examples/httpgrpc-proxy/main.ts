// npm run example:httpgrpc [-- --mode=http] [-- --port=8080]
// Starts two Express backend replicas and the authenticating front end, prints how to call it,
// sends a few requests itself, and serves until Ctrl-C.
import { parseArgs } from "node:util";
import { startReplica } from "./backend.js";
import { startFront, type Mode } from "./front.js";

const { values } = parseArgs({
  options: { mode: { type: "string", default: "httpgrpc" }, port: { type: "string", default: "8080" } },
});
const mode = values.mode as Mode;
if (mode !== "httpgrpc" && mode !== "http") {
  console.error(`--mode must be "httpgrpc" or "http", not "${values.mode}"`);
  process.exit(2);
}
const tokens = { "token-team-a": "team-a", "token-team-b": "team-b" };
const replicas = await Promise.all([startReplica("replica-1"), startReplica("replica-2")]);
const front = await startFront({
  mode,
  backends: replicas.map((r) => (mode === "httpgrpc" ? r.grpcAddress : r.httpAddress)),
  tokens,
  port: Number(values.port),
});

console.log(
  `front end (${mode} mode) on ${front.url}, backends: ${replicas.map((r) => `${r.name} ${mode === "httpgrpc" ? r.grpcAddress : r.httpAddress}`).join(", ")}`,
);
for (let i = 0; i < 4; i++) {
  const r = await fetch(`${front.url}/api/whoami?i=${i}`, { headers: { Authorization: "Bearer token-team-a" } });
  console.log(`GET /api/whoami?i=${i} → ${r.status} ${await r.text()}`);
}
const denied = await fetch(`${front.url}/api/whoami`);
console.log(`GET /api/whoami without a token → ${denied.status}`);
const failed = await fetch(`${front.url}/api/fail`, { headers: { Authorization: "Bearer token-team-b" } });
console.log(
  `GET /api/fail → ${failed.status} Retry-After: ${failed.headers.get("retry-after")} "${(await failed.text()).trim()}"`,
);
console.log(`\ntry: curl -H 'Authorization: Bearer token-team-a' ${front.url}/api/whoami`);
console.log(
  `     curl -H 'Authorization: Bearer token-team-b' -H 'Content-Type: application/json' -d '{"x":1}' ${front.url}/api/echo`,
);
console.log("Ctrl-C to stop.");

const stop = async () => {
  await front.close();
  await Promise.all(replicas.map((r) => r.close()));
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());

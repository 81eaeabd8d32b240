// npm run example:otel-prometheus [-- --port=8080]
// A greeter service whose RPC metrics Prometheus scrapes at /metrics on the same port.
import { parseArgs } from "node:util";
import { startMetricsServer } from "./metrics-server.js";

const { values } = parseArgs({ options: { port: { type: "string", default: "8080" } } });
const { url, close } = await startMetricsServer(Number(values.port));
console.log(`greeter on ${url}; metrics at ${url}/metrics`);
console.log(
  `try: buf curl --protocol grpc --http2-prior-knowledge -d '{"name":"you"}' ${url}/acme.greeter.v1.GreeterService/SayHello`,
);
process.once("SIGINT", () => void close());
process.once("SIGTERM", () => void close());

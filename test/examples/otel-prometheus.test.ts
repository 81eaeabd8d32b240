// The Prometheus example: createServer's RPC metrics, scraped from /metrics
// on the same port in the Prometheus text format.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient } from "@acme/platform/client/node";
import { GreeterService } from "@acme/greeter/v1";
import { startMetricsServer } from "../../examples/otel-prometheus/metrics-server.js";
import { recordingLogger } from "@acme/test-support/platform-server";

let example: Awaited<ReturnType<typeof startMetricsServer>>;
before(async () => (example = await startMetricsServer(0, recordingLogger())));
after(() => example.close());

test("/metrics answers rpc.server.duration in the Prometheus text format, one observation per call", async () => {
  const client = createClient(GreeterService, { baseUrl: example.url, protocol: "grpc", retries: false });
  await client.sayHello({ name: "a" });
  await client.sayHello({ name: "b" });
  const streamed: number[] = [];
  for await (const m of client.sayHelloStream({ count: 2 })) streamed.push(m.index);
  assert.deepEqual(streamed, [1, 2]);

  const res = await fetch(`${example.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  const text = await res.text();
  const lines = text.split("\n");
  const type = lines.find((l) => l.startsWith("# TYPE rpc_server_duration"));
  assert.ok(type, `no rpc_server_duration family in:\n${text}`);
  const family = type.split(" ")[2];
  assert.equal(type, `# TYPE ${family} histogram`);

  const sample = (suffix: string, method: string) =>
    lines.find(
      (l) =>
        l.startsWith(`${family}${suffix}{`) &&
        l.includes(`rpc_method="${method}"`) &&
        l.includes('rpc_grpc_status_code="0"') &&
        l.includes('rpc_service="acme.greeter.v1.GreeterService"'),
    );
  assert.match(sample("_count", "SayHello") ?? "", / 2$/, "two SayHello calls");
  assert.match(sample("_count", "SayHelloStream") ?? "", / 1$/, "one SayHelloStream call");
  const inf = lines.find(
    (l) => l.startsWith(`${family}_bucket{`) && l.includes('rpc_method="SayHello"') && l.includes('le="+Inf"'),
  );
  assert.match(inf ?? "", / 2$/, "the +Inf bucket holds every call");
  // Every sample line is name{labels} value, as the text format has it.
  for (const l of lines.filter((x) => x && !x.startsWith("#")))
    assert.match(l, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \S+( \d+)?$/, l);
});

test("other paths still reach the REST fallback", async () => {
  const res = await fetch(`${example.url}/nope`);
  assert.equal(res.status, 404);
  assert.equal(await res.text(), "not found\n");
});

// OpenTelemetry with the real SDK and in-memory exporters: one trace across
// platform client -> createServer -> httpgrpc forwarder -> httpgrpc backend,
// with the RPC semantic conventions' spans, attributes and duration metrics.
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { defineService } from "@acme/platform/server";
import { createClient } from "@acme/platform/client/node";
import { createForwarder, createHTTPClient, type HTTPClient } from "@acme/httpgrpc/client";
import { createHTTPServer, type HTTPServer } from "@acme/httpgrpc/server";
import { GreeterService, SayHelloResponseSchema, SayHelloStreamResponseSchema } from "@acme/greeter/v1";
import { registerTestSdk } from "./otel-sdk.js";
import { startServer, type Started } from "@acme/test-support/platform-server";

const sdk = registerTestSdk();

const GREETER = "acme.greeter.v1.GreeterService";

describe("OpenTelemetry traces and metrics", () => {
  let backend: HTTPServer;
  let backendPort: number;
  let hclient: HTTPClient;
  let forwarder: http.Server;
  let forwarderUrl: string;
  let s: Started;
  const backendSaw: { activeSpanId?: string; traceparent?: string }[] = [];

  before(async () => {
    backend = createHTTPServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      backendSaw.push({
        activeSpanId: trace.getActiveSpan()?.spanContext().spanId,
        traceparent: req.headers.traceparent as string | undefined,
      });
      res.setHeader("content-type", "text/plain");
      res.end(`backend saw ${req.method} ${req.url}`);
    });
    backendPort = (await backend.listen(0, "127.0.0.1")).port;
    hclient = createHTTPClient({ target: `127.0.0.1:${backendPort}` });
    forwarder = http.createServer(createForwarder(hclient));
    await new Promise<void>((r) => forwarder.listen(0, "127.0.0.1", r));
    forwarderUrl = `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}`;
    s = await startServer({
      services: [
        defineService(GreeterService, {
          async sayHello(req) {
            if (req.name === "missing") throw new ConnectError("no such greeting", Code.NotFound);
            // No HTTP client instrumentation here: the handler passes its context on itself.
            const headers: Record<string, string> = {};
            propagation.inject(context.active(), headers);
            const r = await fetch(`${forwarderUrl}/greetings/${req.name}`, { headers });
            return create(SayHelloResponseSchema, { message: await r.text() });
          },
          async *sayHelloStream(req) {
            for (let i = 1; i <= req.count; i++)
              yield create(SayHelloStreamResponseSchema, { message: `#${i}`, index: i });
          },
        }),
      ],
    });
  });
  after(async () => {
    await s.close();
    await new Promise((r) => forwarder.close(r));
    await hclient.close();
    await backend.close();
    await sdk.shutdown();
  });

  test("client -> server -> httpgrpc forwarder -> backend is one trace of parent/child spans", async () => {
    sdk.spans.reset();
    const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
    const res = await client.sayHello({ name: "ada" });
    assert.equal(res.message, "backend saw GET /greetings/ada");

    const spans = await sdk.finished(4);
    assert.equal(spans.length, 4, spans.map((x) => x.name).join(", "));
    const find = (name: string, kind: SpanKind) => {
      const f = spans.find((x) => x.name === name && x.kind === kind);
      assert.ok(f, `no ${SpanKind[kind]} span ${name}`);
      return f;
    };
    const parentOf = (x: ReadableSpan) => x.parentSpanContext?.spanId;
    const cGreet = find(`${GREETER}/SayHello`, SpanKind.CLIENT);
    const sGreet = find(`${GREETER}/SayHello`, SpanKind.SERVER);
    const cHandle = find("httpgrpc.HTTP/Handle", SpanKind.CLIENT);
    const sHandle = find("httpgrpc.HTTP/Handle", SpanKind.SERVER);

    const traceId = cGreet.spanContext().traceId;
    for (const x of spans) assert.equal(x.spanContext().traceId, traceId, `${x.name} is in another trace`);
    assert.equal(parentOf(cGreet), undefined, "the client span is the root");
    assert.equal(parentOf(sGreet), cGreet.spanContext().spanId);
    assert.equal(parentOf(cHandle), sGreet.spanContext().spanId);
    assert.equal(parentOf(sHandle), cHandle.spanContext().spanId);

    assert.deepEqual(
      { ...cGreet.attributes },
      {
        "rpc.system": "grpc",
        "rpc.service": GREETER,
        "rpc.method": "SayHello",
        "rpc.grpc.status_code": 0,
        "server.address": "127.0.0.1",
        "server.port": s.port,
      },
    );
    assert.deepEqual(
      { ...sGreet.attributes },
      { "rpc.system": "grpc", "rpc.service": GREETER, "rpc.method": "SayHello", "rpc.grpc.status_code": 0 },
    );
    assert.deepEqual(
      { ...cHandle.attributes },
      {
        "rpc.system": "grpc",
        "rpc.service": "httpgrpc.HTTP",
        "rpc.method": "Handle",
        "http.request.method": "GET",
        "rpc.grpc.status_code": 0,
      },
    );
    assert.deepEqual(
      { ...sHandle.attributes },
      {
        "rpc.system": "grpc",
        "rpc.service": "httpgrpc.HTTP",
        "rpc.method": "Handle",
        "http.request.method": "GET",
        "rpc.grpc.status_code": 0,
      },
    );
    for (const x of spans) assert.equal(x.status.code, SpanStatusCode.UNSET);

    // The backend's HTTP handler runs in the Handle span, and the forwarded request names the Handle call as parent.
    const saw = backendSaw.at(-1)!;
    assert.equal(saw.activeSpanId, sHandle.spanContext().spanId);
    assert.equal(saw.traceparent, `00-${traceId}-${cHandle.spanContext().spanId}-01`);
  });

  test("a failed call: NOT_FOUND on both spans, an error on the client's only (a client fault per the conventions)", async () => {
    sdk.spans.reset();
    const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
    await assert.rejects(client.sayHello({ name: "missing" }), (e: ConnectError) => e.code === Code.NotFound);
    const spans = await sdk.finished(2);
    const server = spans.find((x) => x.kind === SpanKind.SERVER)!;
    const clientSpan = spans.find((x) => x.kind === SpanKind.CLIENT)!;
    assert.equal(server.attributes["rpc.grpc.status_code"], Code.NotFound);
    assert.equal(clientSpan.attributes["rpc.grpc.status_code"], Code.NotFound);
    assert.equal(server.status.code, SpanStatusCode.UNSET);
    assert.equal(clientSpan.status.code, SpanStatusCode.ERROR);
  });

  test("Connect protocol: rpc.system connect_rpc, the error as rpc.connect_rpc.error_code; a stream's span ends with the stream", async () => {
    sdk.spans.reset();
    const client = createClient(GreeterService, { baseUrl: s.url, retries: false });
    await assert.rejects(client.sayHello({ name: "missing" }), (e: ConnectError) => e.code === Code.NotFound);
    let got = 0;
    for await (const _ of client.sayHelloStream({ count: 3 })) got++;
    assert.equal(got, 3);
    const spans = await sdk.finished(4);
    const failed = spans.filter((x) => x.name.endsWith("/SayHello"));
    assert.equal(failed.length, 2);
    for (const x of failed) {
      assert.equal(x.attributes["rpc.system"], "connect_rpc");
      assert.equal(x.attributes["rpc.connect_rpc.error_code"], "not_found");
      assert.equal(x.attributes["rpc.grpc.status_code"], undefined);
    }
    const streamed = spans.filter((x) => x.name.endsWith("/SayHelloStream"));
    assert.deepEqual(streamed.map((x) => x.kind).sort(), [SpanKind.SERVER, SpanKind.CLIENT].sort());
    for (const x of streamed) assert.equal(x.attributes["rpc.connect_rpc.error_code"], undefined);
  });

  test("rpc.server.duration and rpc.client.duration: one point per call, under its status code", async () => {
    const fresh = callCounts;
    const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc", retries: false });
    const before = await fresh();
    await client.sayHello({ name: "one" });
    await client.sayHello({ name: "two" });
    await assert.rejects(client.sayHello({ name: "missing" }));
    const afterCounts = await fresh();
    for (const metric of ["rpc.server.duration", "rpc.client.duration"]) {
      const delta = (code: number) => (afterCounts[metric]?.[code] ?? 0) - (before[metric]?.[code] ?? 0);
      assert.equal(delta(0), 2, `${metric}: two OK calls`);
      assert.equal(delta(Code.NotFound), 1, `${metric}: one NOT_FOUND call`);
    }
    const points = await sdk.histogram("rpc.server.duration");
    const ok = points.find(
      (p) =>
        p.attributes["rpc.service"] === GREETER &&
        p.attributes["rpc.grpc.status_code"] === 0 &&
        p.attributes["rpc.method"] === "SayHello",
    )!;
    assert.deepEqual(Object.keys(ok.attributes).sort(), [
      "rpc.grpc.status_code",
      "rpc.method",
      "rpc.service",
      "rpc.system",
    ]);
    assert.ok(ok.value.min! >= 0 && (ok.value.sum ?? -1) >= ok.value.min!);
  });

  /** Counts of gRPC SayHello calls by metric and status code, as the histograms have them now. */
  async function callCounts() {
    const out: Record<string, Record<number, number>> = {};
    for (const metric of ["rpc.server.duration", "rpc.client.duration"]) {
      out[metric] = {};
      for (const p of await sdk.histogram(metric)) {
        if (
          p.attributes["rpc.service"] !== GREETER ||
          p.attributes["rpc.method"] !== "SayHello" ||
          p.attributes["rpc.system"] !== "grpc"
        )
          continue;
        out[metric][p.attributes["rpc.grpc.status_code"] as number] = p.value.count;
      }
    }
    return out;
  }
});

// With no OpenTelemetry SDK registered (this process registers none), the
// W3C fallback still carries trace context through a service: it joins the
// caller's trace with a span id of its own, or starts one, and passes it on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { headersGetter, headersSetter, observeClientCall, observeServerCall, parseTraceparent } from "@acme/telemetry";

const CALL = { system: "grpc", service: "acme.test.v1.TestService", method: "Do" } as const;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

function downstreamOf(incoming: Record<string, string>) {
  const server = observeServerCall(CALL, new Headers(incoming), headersGetter);
  const out = new Headers();
  const client = observeClientCall(CALL, out, headersSetter, server.context);
  client.end(0);
  server.end(0);
  return { server, out };
}

test("joins the caller's trace with a span id of its own, and passes both on with tracestate as received", () => {
  const { server, out } = downstreamOf({ traceparent: `00-${TRACE_ID}-${PARENT}-01`, tracestate: "vendor=a,other=b" });
  const own = server.span.spanContext();
  assert.equal(own.traceId, TRACE_ID);
  assert.match(own.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(own.spanId, PARENT);
  assert.equal(server.parent?.spanId, PARENT);
  assert.equal(out.get("traceparent"), `00-${TRACE_ID}-${own.spanId}-01`);
  assert.equal(out.get("tracestate"), "vendor=a,other=b");
});

test("keeps the caller's sampling decision", () => {
  const { out } = downstreamOf({ traceparent: `00-${TRACE_ID}-${PARENT}-00` });
  assert.equal(parseTraceparent(out.get("traceparent"))?.flags, "00");
});

for (const [why, value] of [
  ["none", undefined],
  ["version ff", `ff-${TRACE_ID}-${PARENT}-01`],
  ["all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
  ["all-zero span id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
  ["upper case", `00-${TRACE_ID.toUpperCase()}-${PARENT}-01`],
  ["version 00 with extra fields", `00-${TRACE_ID}-${PARENT}-01-extra`],
] as const) {
  test(`a missing or invalid traceparent (${why}) starts a new sampled trace`, () => {
    const { server, out } = downstreamOf(value === undefined ? {} : { traceparent: value });
    assert.equal(server.parent, undefined);
    const tp = parseTraceparent(out.get("traceparent"));
    assert.ok(tp, "a traceparent goes downstream");
    assert.notEqual(tp.traceId, TRACE_ID);
    assert.equal(tp.parentId, server.span.spanContext().spanId);
    assert.equal(tp.flags, "01");
  });
}

test("a client call outside any trace sends no trace context, and one with its own traceparent keeps it", () => {
  const bare = new Headers();
  observeClientCall(CALL, bare, headersSetter, ROOT_CONTEXT).end(0);
  assert.equal(bare.get("traceparent"), null);

  const server = observeServerCall(CALL, new Headers({ traceparent: `00-${TRACE_ID}-${PARENT}-01` }), headersGetter);
  const mine = new Headers({ traceparent: `00-${"1".repeat(32)}-${"2".repeat(16)}-01` });
  observeClientCall(CALL, mine, headersSetter, server.context).end(0);
  assert.equal(mine.get("traceparent"), `00-${"1".repeat(32)}-${"2".repeat(16)}-01`);
  assert.equal(trace.getSpan(server.context), server.span);
});

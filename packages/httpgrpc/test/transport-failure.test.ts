// The httpgrpc client's transport (@acme/h2's gRPC-unary client) fails with a TransportError that
// @acme/balancer's transport-failure table reads: unsent or sent for the balancer, UNAVAILABLE for
// callers. Real failures on loopback: a closed port, a refused stream, a connection dropped mid-call.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import * as net from "node:net";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { classifyFailure, toConnectError, type FailureKind } from "@acme/balancer";
import { GrpcEndpoint, TransportError } from "@acme/h2";

const EMPTY_REQUEST = new Uint8Array(5); // a gRPC message prefix for an empty message

async function failedCall(address: string): Promise<unknown> {
  const endpoint = new GrpcEndpoint(address, {
    maxResponseBytes: 1024,
    maxHeaderListBytes: 64 * 1024,
    keepAliveMs: 15_000,
  });
  try {
    await endpoint.unary("/httpgrpc.HTTP/Handle", EMPTY_REQUEST);
  } catch (err) {
    return err;
  } finally {
    await endpoint.close();
  }
  assert.fail("the call succeeded");
}

/** A node:http2 server that does `onStream` to each call. */
async function h2Server(
  onStream: (s: http2.ServerHttp2Stream) => void,
): Promise<{ address: string; close(): Promise<void> }> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  server.on("stream", (s) => {
    s.on("error", () => {}); // a stream the server resets emits its own error code here too
    onStream(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

function assertTransportFailure(err: unknown, kind: FailureKind): void {
  assert.ok(err instanceof TransportError, String(err));
  assert.equal(classifyFailure(err), kind);
  const out = toConnectError(err);
  assert.ok(out instanceof ConnectError);
  assert.equal(out.code, Code.Unavailable);
  assert.equal(out.cause, err);
}

test("a closed port: an unsent TransportError, UNAVAILABLE for callers", async () => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const address = `127.0.0.1:${(s.address() as net.AddressInfo).port}`;
  await new Promise<void>((r) => s.close(() => r()));
  assertTransportFailure(await failedCall(address), "unsent");
});

test("a stream the server refuses (REFUSED_STREAM): unsent, UNAVAILABLE for callers", async () => {
  const server = await h2Server((s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM));
  try {
    assertTransportFailure(await failedCall(server.address), "unsent");
  } finally {
    await server.close();
  }
});

test("a stream the server resets with INTERNAL_ERROR: sent, UNAVAILABLE for callers", async () => {
  const server = await h2Server((s) => s.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
  try {
    assertTransportFailure(await failedCall(server.address), "sent");
  } finally {
    await server.close();
  }
});

test("a status the backend sends is no transport failure: passed on as it is", async () => {
  const server = await h2Server((s) =>
    s.respond(
      { ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "gone" },
      { endStream: true },
    ),
  );
  try {
    const err = await failedCall(server.address);
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, Code.NotFound);
    assert.equal(classifyFailure(err), "none");
    assert.equal(toConnectError(err), err);
  } finally {
    await server.close();
  }
});

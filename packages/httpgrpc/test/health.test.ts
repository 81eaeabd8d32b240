// grpc.health.v1 on createHTTPServer's port, as a grpc-go/dskit backend serves it: seen by
// grpc-node's official health client (grpc-health-check, what a Kubernetes gRPC probe asks is the
// same Check) and by a plain grpc-js client with the repo's proto, beside httpgrpc.HTTP/Handle.
import type * as grpc from "@grpc/grpc-js";
import { status as grpcStatus } from "@grpc/grpc-js";
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { HealthStatusRegistry, ServingStatus } from "@acme/grpc-health";
import { grpcJsHealthClient, officialHealthClient, streamReader, unary } from "@acme/test-support/platform-server";
import { request, startBackend, startFront, type Backend } from "./support.js";

type HealthClient = Awaited<ReturnType<typeof officialHealthClient>>;
type Status = { status: string };

const flavours = {
  "grpc-health-check": officialHealthClient,
  "grpc-js": async (port: number) => grpcJsHealthClient(port),
} as const;

/** A handler whose /slow requests wait until `release` is called. */
function app() {
  const slow: { entered?: () => void; release?: () => void } = {};
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/slow") {
      slow.release = () => res.end("slow done");
      slow.entered?.();
      return;
    }
    res.end("ok");
  };
  return { handler, slow };
}

for (const [flavour, connect] of Object.entries(flavours)) {
  describe(`createHTTPServer serves grpc.health.v1, ${flavour} client`, () => {
    let backend: Backend;
    let client: HealthClient;
    before(async () => {
      backend = await startBackend(app().handler);
      client = await connect(backend.port);
    });
    after(async () => {
      client.close();
      await backend.close();
    });

    test("Check: the whole server is SERVING; an unknown service gets NOT_FOUND", async () => {
      assert.deepEqual(await unary(client, "check", { service: "" }), { status: "SERVING" });
      await assert.rejects(
        unary(client, "check", { service: "no.such.Service" }),
        (e: grpc.ServiceError) => e.code === grpcStatus.NOT_FOUND,
      );
    });

    test("List: every status set through server.health", async () => {
      backend.server.health.setStatus("httpgrpc.HTTP", ServingStatus.NOT_SERVING);
      const listed = await unary<{ statuses: Record<string, Status> }>(client, "list", {});
      assert.deepEqual(Object.fromEntries(Object.entries(listed.statuses).map(([k, v]) => [k, v.status])), {
        "": "SERVING",
        "httpgrpc.HTTP": "NOT_SERVING",
      });
      backend.server.health.clearStatus("httpgrpc.HTTP");
    });

    test("Watch: the status now, then each change set through server.health; httpgrpc calls go on meanwhile", async () => {
      const call = client.watch({ service: "" });
      const r = streamReader<Status>(call);
      assert.equal((await r.next()).status, "SERVING");
      backend.server.health.setStatus("", ServingStatus.NOT_SERVING);
      assert.equal((await r.next()).status, "NOT_SERVING");
      const front = await startFront({ target: [backend.address] });
      try {
        const res = await request(`${front.url}/hello`);
        assert.equal(res.status, 200, "Handle is served on the same port while a Watch is open");
        assert.equal(res.body.toString(), "ok");
      } finally {
        await front.close();
      }
      backend.server.health.setStatus("", ServingStatus.SERVING);
      assert.equal((await r.next()).status, "SERVING");
      assert.equal(r.pending(), 0);
      assert.deepEqual(await unary(client, "check", { service: "" }), { status: "SERVING" });
      call.cancel();
      await r.ended;
    });
  });

  test(`close(), ${flavour} client: Watch sees NOT_SERVING and ends with OK; an in-flight call still completes`, async () => {
    const { handler, slow } = app();
    const backend = await startBackend(handler);
    const client = await connect(backend.port);
    const front = await startFront({ target: [backend.address] });
    try {
      const r = streamReader<Status>(client.watch({ service: "" }));
      assert.equal((await r.next()).status, "SERVING");
      const entered = new Promise<void>((resolve) => (slow.entered = resolve));
      const inFlight = request(`${front.url}/slow`);
      await entered;
      const closed = backend.server.close();
      // The drain lets the call in flight finish (within its grace period): it gets its answer.
      slow.release!();
      assert.equal((await r.next()).status, "NOT_SERVING");
      await r.ended;
      assert.equal(r.status?.code, grpcStatus.OK);
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), "slow done");
      await closed;
      assert.equal(backend.server.health.getStatus(""), ServingStatus.NOT_SERVING);
    } finally {
      client.close();
      await front.close();
      await backend.close();
    }
  });
}

test("a registry passed in is the one served, and can be shared", async () => {
  const health = new HealthStatusRegistry();
  health.setStatus("shared.Service", ServingStatus.SERVING);
  const backend = await startBackend(app().handler, { health });
  const client = await officialHealthClient(backend.port);
  try {
    assert.equal(backend.server.health, health);
    assert.deepEqual(await unary(client, "check", { service: "shared.Service" }), { status: "SERVING" });
  } finally {
    client.close();
    await backend.close();
  }
});

// waitForServing against a server whose Health has no Watch: it falls back to polling Check.
import assert from "node:assert/strict";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { createGrpcTransport, connectNodeAdapter } from "@connectrpc/connect-node";
import { Health, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus as S } from "../src/gen.js";
import { waitForServing } from "../src/wait-for-serving.js";

test("a server without Watch (UNIMPLEMENTED) is polled with Check until SERVING", async () => {
  let checks = 0;
  const server = http2.createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(Health, {
          check: () => create(HealthCheckResponseSchema, { status: ++checks >= 3 ? S.SERVING : S.NOT_SERVING }),
        }),
    }),
  );
  const sessions: http2.ServerHttp2Session[] = [];
  server.on("session", (s) => sessions.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    // A timeout no slow machine reaches: the polling, not the clock, is under test.
    await waitForServing(transport, "", { timeoutMs: 600_000, retryDelayMs: 20 });
    assert.equal(checks, 3);
  } finally {
    for (const s of sessions) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

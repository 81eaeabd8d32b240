// Wire interop with an independent gRPC implementation: @grpc/grpc-js with the proto from proto/.
import assert from "node:assert/strict";
import type * as http from "node:http";
import * as http2 from "node:http2";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as loader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { fromBinary } from "@bufbuild/protobuf";
import { decodeStatus, encodeStatus, HTTP_RESPONSE_TYPE_URL } from "../src/errors.js";
import { HTTPResponseSchema } from "../src/gen.js";
import { httpgrpcRoutes } from "../src/server.js";
import { request, startBackend, startFront, type Backend } from "./support.js";

const protoPath = fileURLToPath(new URL("../../../proto/httpgrpc/httpgrpc.proto", import.meta.url));
const def = loader.loadSync(protoPath, { keepCase: true, longs: Number, defaults: true });
// The shape of what grpc-js builds from the .proto at run time.
const pkg = grpc.loadPackageDefinition(def) as { httpgrpc: { HTTP: grpc.ServiceClientConstructor } };
// protobufjs root of the same proto, to encode the grpc-js server's HTTPResponse independently of our code.
const root = protobuf.loadSync(protoPath);

interface GrpcReply {
  err: grpc.ServiceError | null;
  resp?: { Code: number; headers: { key: string; values: string[] }[]; body: Buffer };
}

type HTTPClient = grpc.Client & {
  Handle(req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, resp: GrpcReply["resp"]) => void): void;
};

function call(client: grpc.Client, req: object, md = new grpc.Metadata()): Promise<GrpcReply> {
  return new Promise((resolve) =>
    (client as HTTPClient).Handle(req, md, (err: grpc.ServiceError | null, resp: GrpcReply["resp"]) =>
      resolve({ err, resp }),
    ),
  );
}

let backend: Backend;
let client: grpc.Client;

before(async () => {
  backend = await startBackend((req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url ?? "/", "http://x");
    if (u.pathname === "/fail") {
      res.setHeader("X-Why", ["a", "b"]);
      res.setHeader("X-DoNotLogError", "true");
      res.statusCode = 500;
      res.end("it broke");
    } else if (u.pathname === "/errmsg") {
      res.setHeader("X-ErrorMessage", "short reason");
      res.statusCode = 502;
      res.end("long body");
    } else if (u.pathname === "/notfound") {
      res.statusCode = 404;
      res.end("nope");
    } else {
      res.setHeader("Content-Type", "text/plain");
      res.end(`hello ${req.method} ${req.url} tenant=${req.headers["x-scope-orgid"] ?? "-"}`);
    }
  });
  client = new pkg.httpgrpc.HTTP(backend.address, grpc.credentials.createInsecure());
});

after(async () => {
  client.close();
  await backend.close();
});

test("grpc-js client: a 2xx is a normal reply with status, headers and body", async () => {
  const md = new grpc.Metadata();
  md.set("x-scope-orgid", "tenant-7");
  const { err, resp } = await call(client, { method: "GET", url: "/hi?x=1", headers: [] }, md);
  assert.equal(err, null);
  assert.equal(resp!.Code, 200);
  assert.equal(resp!.body.toString(), "hello GET /hi?x=1 tenant=tenant-7");
  assert.deepEqual(resp!.headers.find((h) => h.key === "Content-Type")?.values, ["text/plain"]);
});

test("grpc-js client: a 500 is gRPC code 500 with the HTTPResponse in grpc-status-details-bin", async () => {
  const { err } = await call(client, { method: "POST", url: "/fail", headers: [], body: Buffer.from("x") });
  assert.ok(err);
  assert.equal(err.code, 500);
  assert.equal(err.details, "it broke");
  const bin = err.metadata.get("grpc-status-details-bin")[0];
  assert.ok(Buffer.isBuffer(bin), "details-bin arrives as a Buffer");
  const status = decodeStatus(bin);
  assert.equal(status.code, 500, "Status.code must equal grpc-status");
  assert.equal(status.message, "it broke");
  assert.equal(status.details.length, 1);
  assert.equal(status.details[0].typeUrl, HTTP_RESPONSE_TYPE_URL);
  const inner = fromBinary(HTTPResponseSchema, status.details[0].value);
  assert.equal(inner.Code, 500);
  assert.equal(new TextDecoder().decode(inner.body), "it broke");
  assert.deepEqual(inner.headers.find((h) => h.key === "X-Why")?.values, ["a", "b"]);
  assert.equal(
    inner.headers.find((h) => h.key.toLowerCase() === "x-donotlogerror"),
    undefined,
    "X-DoNotLogError is removed",
  );
});

test("grpc-js client: X-ErrorMessage becomes the status message and is removed", async () => {
  const { err } = await call(client, { method: "GET", url: "/errmsg", headers: [] });
  assert.equal(err?.code, 502);
  assert.equal(err?.details, "short reason");
  const inner = fromBinary(
    HTTPResponseSchema,
    decodeStatus(err!.metadata.get("grpc-status-details-bin")[0] as Buffer).details[0].value,
  );
  assert.equal(new TextDecoder().decode(inner.body), "long body");
  assert.equal(
    inner.headers.find((h) => h.key.toLowerCase() === "x-errormessage"),
    undefined,
  );
});

test("grpc-js client: a 4xx is a normal reply unless return4XXErrors", async () => {
  const ok = await call(client, { method: "GET", url: "/notfound", headers: [] });
  assert.equal(ok.err, null);
  assert.equal(ok.resp!.Code, 404);

  const strict = await startBackend(
    (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.statusCode = 429;
      res.end("slow down");
    },
    { return4XXErrors: true },
  );
  const c = new pkg.httpgrpc.HTTP(strict.address, grpc.credentials.createInsecure());
  try {
    const { err } = await call(c, { method: "GET", url: "/", headers: [] });
    assert.equal(err?.code, 429);
    assert.equal(decodeStatus(err!.metadata.get("grpc-status-details-bin")[0] as Buffer).code, 429);
  } finally {
    c.close();
    await strict.close();
  }
});

test("our forwarder replays a dskit-style grpc-js server's 503 with its headers and body", async () => {
  const server = new grpc.Server();
  let seenOrg: unknown;
  let seenReq: { method: string; url: string; headers: { key: string; values: string[] }[]; body: Buffer } | undefined;
  server.addService(pkg.httpgrpc.HTTP.service, {
    Handle(call: grpc.ServerUnaryCall<typeof seenReq, unknown>, cb: grpc.sendUnaryData<unknown>) {
      seenReq = call.request;
      seenOrg = call.metadata.get("x-scope-orgid")[0];
      const respType = root.lookupType("httpgrpc.HTTPResponse");
      const value = respType
        .encode(
          respType.fromObject({
            Code: 503,
            headers: [
              { key: "Retry-After", values: ["7"] },
              { key: "X-Multi", values: ["1", "2"] },
            ],
            body: Buffer.from("maintenance"),
          }),
        )
        .finish();
      const md = new grpc.Metadata();
      md.set(
        "grpc-status-details-bin",
        Buffer.from(
          encodeStatus({ code: 503, message: "maintenance", details: [{ typeUrl: HTTP_RESPONSE_TYPE_URL, value }] }),
        ),
      );
      cb({ code: 503 as grpc.status, details: "maintenance", metadata: md });
    },
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  const front = await startFront({ target: [`127.0.0.1:${port}`] });
  try {
    const r = await request(`${front.url}/api/v1/push?x=%20y`, {
      method: "POST",
      headers: { "X-Scope-OrgID": "team-a", "Content-Type": "application/x-protobuf", "X-Dup": ["p", "q"] },
      body: Buffer.from([0, 1, 2, 255]),
    });
    assert.equal(r.status, 503);
    assert.equal(r.body.toString(), "maintenance");
    assert.equal(r.headers["retry-after"], "7");
    const multi = r.rawHeaders.flatMap((v, i) =>
      i % 2 === 0 && v.toLowerCase() === "x-multi" ? [r.rawHeaders[i + 1]] : [],
    );
    assert.deepEqual(multi, ["1", "2"]);
    // What the Go-style server received.
    assert.equal(seenOrg, "team-a");
    assert.equal(seenReq!.method, "POST");
    assert.equal(seenReq!.url, "/api/v1/push?x=%20y");
    assert.deepEqual([...seenReq!.body], [0, 1, 2, 255]);
    const keys = seenReq!.headers.map((h) => h.key);
    assert.ok(!keys.some((k) => k.toLowerCase() === "host"), "Host is not forwarded");
    assert.ok(!keys.some((k) => k.toLowerCase() === "connection"), "hop-by-hop headers are not forwarded");
    assert.deepEqual(seenReq!.headers.find((h) => h.key === "X-Scope-Orgid")?.values, ["team-a"]);
    assert.deepEqual(seenReq!.headers.find((h) => h.key === "X-Dup")?.values, ["p", "q"]);
  } finally {
    await front.close();
    server.forceShutdown();
  }
});

test("httpgrpcRoutes on a Connect router serves the same method (also to grpc-js)", async () => {
  const server = http2.createServer(
    connectNodeAdapter({
      routes: httpgrpcRoutes((req: http.IncomingMessage, res: http.ServerResponse) => {
        res.statusCode = req.url === "/boom" ? 500 : 200;
        res.end(`connect ${req.url}`);
      }),
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const c = new pkg.httpgrpc.HTTP(
    `127.0.0.1:${(server.address() as { port: number }).port}`,
    grpc.credentials.createInsecure(),
  );
  try {
    const ok = await call(c, { method: "GET", url: "/hi", headers: [] });
    assert.equal(ok.resp?.Code, 200);
    assert.equal(ok.resp?.body.toString(), "connect /hi");
    const { err } = await call(c, { method: "GET", url: "/boom", headers: [] });
    assert.equal(err?.code, 500);
    const status = decodeStatus(err!.metadata.get("grpc-status-details-bin")[0] as Buffer);
    assert.equal(status.code, 500);
    assert.equal(
      new TextDecoder().decode(fromBinary(HTTPResponseSchema, status.details[0].value).body),
      "connect /boom",
    );
  } finally {
    c.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

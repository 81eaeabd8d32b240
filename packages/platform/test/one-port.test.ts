// One port, every protocol: curl over HTTP/1.1 and HTTP/2 prior knowledge
// (Connect JSON), grpc-js (gRPC over h2c), Connect-ES with gRPC-web and
// Connect binary, and a REST app (Express, Fastify) on the same port.
import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import express from "express";
import Fastify from "fastify";
import { expressFallback, fastifyFallback } from "@acme/platform/server";
import { createClient } from "@acme/platform/client/node";
import { GreeterService } from "@acme/greeter/v1";
import {
  grpcJsHealthClient,
  type HealthStatus,
  officialHealthClient,
  startServer,
  type Started,
  unary,
} from "@acme/test-support/platform-server";

const run = promisify(execFile);

async function curlPost(url: string, body: unknown, ...flags: string[]) {
  const { stdout } = await run("curl", [
    "-sS",
    ...flags,
    "-X",
    "POST",
    "-H",
    "content-type: application/json",
    "--data",
    JSON.stringify(body),
    "-w",
    "\n%{http_version} %{http_code}",
    url,
  ]);
  const nl = stdout.lastIndexOf("\n");
  const [httpVersion, status] = stdout.slice(nl + 1).split(" ");
  return { body: JSON.parse(stdout.slice(0, nl)), httpVersion, status: Number(status) };
}

describe("one port", () => {
  let s: Started;
  before(async () => {
    s = await startServer();
  });
  after(() => s.close());

  test("curl over HTTP/1.1: Connect JSON POST", async () => {
    const r = await curlPost(`${s.url}/acme.greeter.v1.GreeterService/SayHello`, { name: "Ada" }, "--http1.1");
    assert.deepEqual(r, { body: { message: "Hello, Ada!" }, httpVersion: "1.1", status: 200 });
  });

  test("curl over HTTP/2 with prior knowledge: Connect JSON POST", async () => {
    const r = await curlPost(
      `${s.url}/acme.greeter.v1.GreeterService/SayHello`,
      { name: "Bob" },
      "--http2-prior-knowledge",
    );
    assert.deepEqual(r, { body: { message: "Hello, Bob!" }, httpVersion: "2", status: 200 });
  });

  test("grpc-js reaches the same port", async () => {
    const c = grpcJsHealthClient(s.port);
    try {
      assert.equal(
        (await unary<HealthStatus>(c, "check", { service: "acme.greeter.v1.GreeterService" })).status,
        "SERVING",
      );
    } finally {
      c.close();
    }
  });

  for (const [protocol, binary, httpVersion] of [
    ["grpc", true, "2"],
    ["grpc-web", true, "1.1"],
    ["grpc-web", false, "2"],
    ["connect", true, "1.1"],
    ["connect", false, "2"],
  ] as const) {
    test(`Connect-ES ${protocol} (${binary ? "binary" : "JSON"}, HTTP/${httpVersion}): unary and server streaming`, async () => {
      const client = createClient(GreeterService, { baseUrl: s.url, protocol, binary, httpVersion });
      assert.equal((await client.sayHello({ name: "Cy" })).message, "Hello, Cy!");
      const got: string[] = [];
      for await (const m of client.sayHelloStream({ name: "Di", count: 2 })) got.push(`${m.index}:${m.message}`);
      assert.deepEqual(got, ["1:Hello #1, Di!", "2:Hello #2, Di!"]);
    });
  }

  test("services can also be given as a Connect routes function", async () => {
    const { greeterImpl } = await import("@acme/test-support/greeter");
    const own = await startServer({ services: (router) => router.service(GreeterService, greeterImpl) });
    try {
      const r = await curlPost(
        `${own.url}/acme.greeter.v1.GreeterService/SayHello`,
        { name: "Hal" },
        "--http2-prior-knowledge",
      );
      assert.equal(r.body.message, "Hello, Hal!");
    } finally {
      await own.close();
    }
  });

  test("unknown paths get 404 when there is no REST app", async () => {
    const res = await fetch(`${s.url}/no/such/path`);
    assert.equal(res.status, 404);
  });
});

describe("next to an existing REST app, same port", () => {
  test("Express", async () => {
    const app = express();
    app.get("/api/orders/:id", (req, res) => void res.json({ id: req.params.id, from: "express" }));
    const s = await startServer({ fallback: expressFallback(app) });
    try {
      assert.deepEqual(await (await fetch(`${s.url}/api/orders/7`)).json(), { id: "7", from: "express" });
      const r = await curlPost(
        `${s.url}/acme.greeter.v1.GreeterService/SayHello`,
        { name: "Ed" },
        "--http2-prior-knowledge",
      );
      assert.equal(r.body.message, "Hello, Ed!");
      const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc" });
      assert.equal((await client.sayHello({ name: "Flo" })).message, "Hello, Flo!");
    } finally {
      await s.close();
    }
  });

  test("Fastify", async () => {
    const app = Fastify();
    app.get("/api/orders/:id", async (req) => ({ id: (req.params as { id: string }).id, from: "fastify" }));
    const s = await startServer({ fallback: fastifyFallback(app) });
    try {
      assert.deepEqual(await (await fetch(`${s.url}/api/orders/8`)).json(), { id: "8", from: "fastify" });
      const client = createClient(GreeterService, { baseUrl: s.url, protocol: "grpc-web" });
      assert.equal((await client.sayHello({ name: "Gus" })).message, "Hello, Gus!");
      const c = grpcJsHealthClient(s.port);
      try {
        await assert.rejects(
          unary(c, "check", { service: "nope" }),
          (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND,
        );
      } finally {
        c.close();
      }
    } finally {
      await s.close();
      await app.close();
    }
  });
});

test("optional TLS: HTTP/1.1 and HTTP/2 negotiated by ALPN, and grpc-js with TLS credentials", async () => {
  const dir = mkdtempSync(join(tmpdir(), "platform-tls-"));
  try {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]);
    const cert = readFileSync(join(dir, "cert.pem"));
    const s = await startServer({ tls: { key: readFileSync(join(dir, "key.pem")), cert } });
    try {
      assert.match(s.url, /^https:/);
      const url = `${s.url}/acme.greeter.v1.GreeterService/SayHello`;
      const ca = ["--cacert", join(dir, "cert.pem")];
      assert.deepEqual(await curlPost(url, { name: "T1" }, "--http1.1", ...ca), {
        body: { message: "Hello, T1!" },
        httpVersion: "1.1",
        status: 200,
      });
      assert.deepEqual(await curlPost(url, { name: "T2" }, "--http2", ...ca), {
        body: { message: "Hello, T2!" },
        httpVersion: "2",
        status: 200,
      });
      const c = await officialHealthClient(s.port, grpc.credentials.createSsl(cert), {
        "grpc.ssl_target_name_override": "localhost",
        "grpc.default_authority": "localhost",
      });
      try {
        assert.equal((await unary<HealthStatus>(c, "check", { service: "" })).status, "SERVING");
      } finally {
        c.close();
      }
    } finally {
      await s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

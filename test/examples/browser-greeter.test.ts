// Browsers are first-class clients: the esbuild-bundled demo page calls
// GreeterService through Connect and gRPC-web in headless Chromium (Debian's,
// through playwright-core), from the same origin and from another one (CORS).
// No browser → the test fails, it does not skip.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { bundleBrowserGreeter } from "../../examples/browser-greeter/build.js";
import { staticFiles } from "../../examples/browser-greeter/static-files.js";
import { artifactPath, launchChromium } from "@acme/test-support/chromium";
import { startServer, type Started } from "@acme/test-support/platform-server";

const EXPECTED = (protocol: string) => [
  `Hello, browser (${protocol})!`,
  `1: Hello #1, ${protocol}!`,
  `2: Hello #2, ${protocol}!`,
  `3: Hello #3, ${protocol}!`,
];

describe("browser demo in headless Chromium", () => {
  let dir: string;
  let browser: Browser;
  let pageHost: http.Server;
  let pageOrigin: string;
  const servers: Started[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "browser-greeter-"));
    const meta = await bundleBrowserGreeter(dir);
    const inputs = Object.keys(meta.inputs);
    assert.ok(
      inputs.some((p) => p.includes("packages/platform/dist/client.js")),
      "the page uses @acme/platform/client",
    );
    assert.ok(
      inputs.some((p) => p.includes("connect-web")),
      "through connect-web",
    );
    assert.ok(!inputs.some((p) => p.includes("connect-node")), "connect-node stays out of the browser bundle");
    pageHost = http.createServer(staticFiles(dir));
    await new Promise<void>((r) => pageHost.listen(0, "127.0.0.1", r));
    pageOrigin = `http://127.0.0.1:${(pageHost.address() as AddressInfo).port}`;
    browser = await launchChromium(); // throws, failing the suite, when there is no browser
  });
  after(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
    await new Promise((r) => pageHost?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  async function openDemo(url: string, screenshot: string) {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      await page.waitForSelector("body[data-state]");
      await page.screenshot({ path: artifactPath(screenshot), fullPage: true });
      return {
        state: await page.getAttribute("body", "data-state"),
        status: await page.textContent("#status"),
        connect: await page.locator("#connect li").allTextContents(),
        grpcWeb: await page.locator("#grpc-web li").allTextContents(),
      };
    } finally {
      await page.close();
    }
  }

  test("same origin: page and RPCs on createServer's one port; Connect and gRPC-web, unary and streaming", async () => {
    const seenMesh: (string | null)[] = [];
    const s = await startServer({
      fallback: staticFiles(dir),
      interceptors: [
        (next) => (req) => {
          seenMesh.push(req.header.get("service"));
          return next(req);
        },
      ],
    });
    servers.push(s);
    const r = await openDemo(s.url, "browser-greeter.png");
    assert.equal(r.state, "done", String(r.status));
    assert.deepEqual(r.connect, EXPECTED("connect"));
    assert.deepEqual(r.grpcWeb, EXPECTED("grpc-web"));
    const rpcs = s.logger.lines
      .filter((l) => l.msg === "rpc")
      .map((l) => l.fields.method)
      .sort();
    assert.deepEqual(rpcs, [
      "/acme.greeter.v1.GreeterService/SayHello",
      "/acme.greeter.v1.GreeterService/SayHello",
      "/acme.greeter.v1.GreeterService/SayHelloStream",
      "/acme.greeter.v1.GreeterService/SayHelloStream",
    ]);
    assert.deepEqual(seenMesh, ["greeter", "greeter", "greeter", "greeter"]);
  });

  test("another origin: works with the cors option, is blocked without it", async () => {
    const open = await startServer({ cors: { origins: [pageOrigin] } });
    const closed = await startServer();
    servers.push(open, closed);
    const ok = await openDemo(`${pageOrigin}/?api=${encodeURIComponent(open.url)}`, "browser-greeter-cors.png");
    assert.equal(ok.state, "done", String(ok.status));
    assert.deepEqual(ok.connect, EXPECTED("connect"));
    assert.deepEqual(ok.grpcWeb, EXPECTED("grpc-web"));
    const blocked = await openDemo(
      `${pageOrigin}/?api=${encodeURIComponent(closed.url)}`,
      "browser-greeter-no-cors.png",
    );
    assert.equal(blocked.state, "failed");
    assert.equal(
      closed.logger.lines.filter((l) => l.msg === "rpc").length,
      0,
      "the browser's preflight stopped every call",
    );
  });
});

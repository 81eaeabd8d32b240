// Browsers are first-class clients: the esbuild-bundled demo page calls
// GreeterService through Connect and gRPC-web in headless Chromium (Debian's,
// through playwright-core). No browser → the test fails, it does not skip.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { bundleBrowserGreeter } from "../../../examples/browser-greeter/build.js";
import { staticFiles } from "../../../examples/browser-greeter/static-files.js";
import { artifactPath, launchChromium } from "../../../test/support/chromium.js";
import { startServer } from "./support.js";

test("the browser demo greets through Connect and gRPC-web, unary and server streaming", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "browser-greeter-"));
  const meta = await bundleBrowserGreeter(dir);
  const inputs = Object.keys(meta.inputs);
  assert.ok(inputs.some((p) => p.includes("packages/platform/dist/client.js")), "the page uses @acme/platform/client");
  assert.ok(inputs.some((p) => p.includes("connect-web")), "through connect-web");
  assert.ok(!inputs.some((p) => p.includes("connect-node")), "connect-node stays out of the browser bundle");

  const seenMesh: (string | null)[] = [];
  const s = await startServer({
    fallback: staticFiles(dir),
    interceptors: [(next) => (req) => (seenMesh.push(req.header.get("service")), next(req))],
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && consoleErrors.push(m.text())));
    await page.goto(s.url);
    await page.waitForSelector("body[data-state]", { timeout: 20_000 });
    await page.screenshot({ path: artifactPath("browser-greeter.png"), fullPage: true });
    assert.equal(await page.getAttribute("body", "data-state"), "done", `page failed: ${await page.textContent("#status")} ${consoleErrors.join("; ")}`);
    for (const protocol of ["connect", "grpc-web"]) {
      const items = await page.locator(`#${protocol} li`).allTextContents();
      assert.deepEqual(items, [
        `Hello, browser (${protocol})!`,
        `1: Hello #1, ${protocol}!`,
        `2: Hello #2, ${protocol}!`,
        `3: Hello #3, ${protocol}!`,
      ]);
    }
    const rpcs = s.logger.lines.filter((l) => l.msg === "rpc").map((l) => l.fields.method).sort();
    assert.deepEqual(rpcs, [
      "/acme.greeter.v1.GreeterService/SayHello",
      "/acme.greeter.v1.GreeterService/SayHello",
      "/acme.greeter.v1.GreeterService/SayHelloStream",
      "/acme.greeter.v1.GreeterService/SayHelloStream",
    ]);
    assert.deepEqual(seenMesh, ["greeter", "greeter", "greeter", "greeter"]);
  } finally {
    await browser.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The built site in headless Chromium: the real proto/ tree published as two
// versions into a temporary docs tree served over HTTP, and the fixture site
// opened from file:// for cross-package links and comment injection.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { artifactPath, launchChromium } from "@acme/test-support/chromium";
import { repoRoot } from "@acme/test-support/repo";
import type { Template } from "../src/model.js";
import type { NpmPackages } from "../src/render/site.js";
import { addVersionToDocsTree } from "../src/site/docs-tree.js";
import { serveStatic, type StaticServer } from "../src/site/static-server.js";
import { runPlugin } from "./support/run-plugin.js";

let browser: Browser;
let server: StaticServer;
let model: Template;
let fixtureSite: string;
const temps: string[] = [];
const consoleErrors: string[] = [];

function watch(page: Page): Page {
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(`${page.url()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

before(async () => {
  const tmp = mkdtempSync(join(tmpdir(), "pgd-site-"));
  temps.push(tmp);
  const npmFile = join(tmp, "npm.json");
  // The npm names of the packages the install snippets are checked on; the repository's own map
  // (npmPackagesFor, which npm run docs passes) is tested in test/docs-build.test.ts.
  const npm: NpmPackages = {
    "acme.greeter.v1": { npm: "@acme/greeter", subpath: "./v1" },
    "acme.payments.v1": { npm: "@acme/payments", subpath: "./v1" },
  };
  writeFileSync(npmFile, JSON.stringify(npm));
  const [site, json, fixtures] = await Promise.all([
    runPlugin(["html", "index.html", "version=1.1.0", `npm_packages=${npmFile}`], {
      cwd: repoRoot,
      input: "proto",
      outDir: join(tmp, "site"),
    }),
    runPlugin(["json", "docs.json"], { cwd: repoRoot, input: "proto", outDir: join(tmp, "json") }),
    runPlugin(["html", "index.html:google/.*"], { outDir: join(tmp, "fixtures") }),
  ]);
  model = JSON.parse(readFileSync(join(json.outDir, "docs.json"), "utf8")) as Template;
  fixtureSite = fixtures.outDir;
  const tree = join(tmp, "tree");
  addVersionToDocsTree({ site: site.outDir, version: "1.0.0", tree });
  addVersionToDocsTree({ site: site.outDir, version: "1.1.0", tree });
  server = await serveStatic(tree);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("docs site in Chromium", () => {
  it("the index lists every service of the real schema, and shows the version", async () => {
    const page = watch(await browser.newPage());
    await page.goto(`${server.url}latest/index.html`);
    const services = model.files.flatMap((f) => f.services.map((s) => s.fullName));
    assert.ok(services.length >= 6, `the real schema has services (${services.length})`);
    for (const s of services) {
      const link = page.locator(`main a[href$="#${s}"]`);
      assert.equal(await link.count(), 1, `index links ${s}`);
    }
    assert.equal(await page.locator("#site-version").textContent(), "v1.1.0");
    assert.equal(await page.locator("header").count(), 1);
    assert.equal(await page.locator("main#main").count(), 1);
    assert.equal(await page.locator("nav").count(), 1);
    await page.screenshot({ path: artifactPath("docs-site-index.png"), fullPage: true });
    await page.close();
  });

  it("the version switcher lists the published versions and switches", async () => {
    const page = watch(await browser.newPage());
    await page.goto(`${server.url}v1.1.0/pkg/acme.greeter.v1.html`);
    await page.waitForFunction(() => document.querySelectorAll("#version-switcher option").length >= 3);
    const options = await page.locator("#version-switcher option").allTextContents();
    assert.deepEqual(options, ["latest (1.1.0)", "1.1.0", "1.0.0"]);
    assert.equal(await page.locator("#version-switcher").inputValue(), "v1.1.0/");
    await Promise.all([
      page.waitForURL(/\/v1\.0\.0\/pkg\/acme\.greeter\.v1\.html$/),
      page.selectOption("#version-switcher", "v1.0.0/"),
    ]);
    await page.close();
  });

  it("searching for a method finds it, and Enter navigates to it", async () => {
    const page = watch(await browser.newPage());
    await page.goto(`${server.url}latest/index.html`);
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "search-input");
    await page.keyboard.type("WatchPayments");
    const first = page.locator("#search-results a.hit").first();
    await first.waitFor();
    assert.match((await first.textContent()) ?? "", /method\s*WatchPayments/);
    await page.keyboard.press("ArrowDown");
    assert.equal(
      await page.evaluate(() => (document.activeElement as HTMLAnchorElement).classList.contains("hit")),
      true,
      "arrow keys move into the results",
    );
    await Promise.all([
      page.waitForURL(/pkg\/acme\.payments\.v1\.html#acme\.payments\.v1\.PaymentService\.WatchPayments$/),
      page.keyboard.press("Enter"),
    ]);
    const target = page.locator('[id="acme.payments.v1.PaymentService.WatchPayments"]');
    await target.waitFor();
    assert.ok(await target.isVisible());
    assert.match((await target.textContent()) ?? "", /server streaming/);
    assert.ok(await inViewport(page, "acme.payments.v1.PaymentService.WatchPayments"));
    await page.screenshot({ path: artifactPath("docs-site-search.png") });
    await page.close();
  });

  it("a type link jumps to its definition; install snippet and sample name the npm package", async () => {
    const page = watch(await browser.newPage());
    await page.goto(`${server.url}latest/pkg/acme.greeter.v1.html`);
    assert.match((await page.locator("#install").textContent()) ?? "", /npm install @acme\/greeter@1\.1\.0/);
    assert.match(
      (await page.locator("#install").textContent()) ?? "",
      /import \{ GreeterService \} from "@acme\/greeter\/v1"/,
    );
    const link = page.locator(
      '[id="acme.greeter.v1.GreeterService.SayHello"] a.type[title="acme.greeter.v1.SayHelloRequest"]',
    );
    await link.click();
    await page.waitForURL(/#acme\.greeter\.v1\.SayHelloRequest$/);
    assert.ok(await inViewport(page, "acme.greeter.v1.SayHelloRequest"));
    await page.close();
  });

  it("works from file://: cross-package links, and comments cannot inject HTML or script", async () => {
    const page = watch(await browser.newPage());
    await page.goto(pathToFileURL(join(fixtureSite, "pkg", "tricky.v1.html")).href);
    const evil = page.locator('[id="tricky.v1.Evil"]');
    const text = (await evil.textContent()) ?? "";
    assert.ok(text.includes('<script>window.__pwned = "script"</script>'), "the <script> tag shows as text");
    assert.ok(text.includes("<img src=x onerror="), "the <img onerror> shows as text");
    assert.equal(await evil.locator("script, img, iframe, b").count(), 0, "no element made from a comment");
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, "no javascript: link");
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), undefined);
    // A field typed by a message of another package links to that package's page.
    await Promise.all([
      page.waitForURL(/legacy\.v1\.html#legacy\.v1\.Legacy$/),
      page.locator('[id="tricky.v1.Outer.legacy"] a.type').click(),
    ]);
    assert.ok(await inViewport(page, "legacy.v1.Legacy"));
    await page.close();
  });

  it("is readable on a phone: no horizontal scrolling of the page", async () => {
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
    });
    const page = watch(await ctx.newPage());
    await page.goto(`${server.url}latest/pkg/acme.payments.v1.html`);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    await page.screenshot({ path: artifactPath("docs-site-phone.png") });
    await ctx.close();
  });

  it("logged no console errors on any page", () => {
    assert.deepEqual(consoleErrors, []);
  });
});

async function inViewport(page: Page, id: string): Promise<boolean> {
  return page.evaluate((id) => {
    const r = document.getElementById(id)!.getBoundingClientRect();
    return r.top < window.innerHeight && r.bottom > 0;
  }, id);
}

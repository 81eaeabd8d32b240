// The site on a schema nobody here wrote: the googleapis subset readers tried
// (api, rpc, type, longrunning, iam, pubsub, Cloud Tasks, Spanner) from the
// pinned google-proto-files npm package, built by the real buf running the
// plugin from source, opened from file:// in Debian's Chromium on a phone
// (390x844) and a desktop (1280x800). Expected values come from the JSON
// model of the same run, never from the page itself.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { writeGoogleapisCorpus } from "@acme/test-support/googleapis";
import { artifactPath, launchChromium } from "@acme/test-support/chromium";
import type { Template } from "../src/model.js";
import { runPlugin } from "./support/run-plugin.js";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };
const PUBSUB = "google.pubsub.v1";

let browser: Browser;
let model: Template;
let site: string;
const temps: string[] = [];
const consoleErrors: string[] = [];

const url = (path: string) => pathToFileURL(join(site, path)).href;

async function open(ctx: BrowserContext, path: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(`${page.url()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  await page.goto(url(path));
  return page;
}

before(async () => {
  const tmp = mkdtempSync(join(tmpdir(), "pgd-googleapis-"));
  temps.push(tmp);
  const corpus = join(tmp, "corpus");
  const { files } = writeGoogleapisCorpus(corpus);
  assert.ok(files >= 70, `the googleapis subset has its files (${files})`);
  const [html, json] = await Promise.all([
    runPlugin(["html", "index.html"], { cwd: corpus, input: ".", outDir: join(tmp, "site") }),
    runPlugin(["json", "docs.json"], { cwd: corpus, input: ".", outDir: join(tmp, "json") }),
  ]);
  site = html.outDir;
  model = JSON.parse(readFileSync(join(json.outDir, "docs.json"), "utf8")) as Template;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Elements wider than their box: the page itself, and every table cell. */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) out.push(`page: ${doc.scrollWidth}px wide in ${doc.clientWidth}px`);
    for (const cell of Array.from(document.querySelectorAll("td, th"))) {
      if (cell.scrollWidth > cell.clientWidth + 1)
        out.push(`${cell.closest("tr")?.id || cell.tagName}: ${cell.scrollWidth}px in ${cell.clientWidth}px`);
      const r = cell.getBoundingClientRect();
      if (r.right > doc.clientWidth + 1)
        out.push(`${cell.closest("tr")?.id || cell.tagName}: ends at ${Math.round(r.right)}px, past the screen`);
    }
    return out.slice(0, 10);
  });
}

/** Whether an element is on screen and not hidden under the sticky header. */
async function landedOn(page: Page, id: string): Promise<{ visible: boolean; headerVisible: boolean }> {
  return page.evaluate((id) => {
    const target = document.getElementById(id)!.getBoundingClientRect();
    const header = document.getElementById("site-header")!.getBoundingClientRect();
    return {
      visible: target.top >= header.bottom - 1 && target.top < window.innerHeight,
      headerVisible: header.top >= 0 && header.bottom > 0,
    };
  }, id);
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    // No preload: on file:// axe's fetch of the stylesheets is refused (a console error, not a finding).
    return axe.run(document, { preload: false });
  });
  return result.violations.map(
    (v) =>
      `${v.id}: ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(" "))
        .join(", ")}`,
  );
}

for (const [name, device] of [
  ["phone 390x844", PHONE],
  ["desktop 1280x800", DESKTOP],
] as const) {
  describe(`googleapis site on a ${name}`, () => {
    let ctx: BrowserContext;
    before(async () => {
      ctx = await browser.newContext({ ...device, bypassCSP: true });
    });
    after(async () => {
      await ctx?.close();
    });

    for (const path of [
      "index.html",
      `pkg/${PUBSUB}.html`,
      "pkg/google.spanner.v1.html",
      "pkg/google.api.html",
      "scalars.html",
    ]) {
      it(`${path}: no sideways scroll, no table cell wider than its box`, async () => {
        const page = await open(ctx, path);
        assert.deepEqual(await overflows(page), []);
        await page.close();
      });
    }

    it("the contents list is collapsed on a phone and open beside the page on a desktop", async () => {
      const page = await open(ctx, `pkg/${PUBSUB}.html`);
      const isOpen = await page.locator("details.contents").evaluate((d) => (d as HTMLDetailsElement).open);
      assert.equal(isOpen, device === DESKTOP);
      if (device === PHONE) {
        const mainTop = await page.locator("main h1").evaluate((h) => h.getBoundingClientRect().top);
        assert.ok(mainTop < 844, `the package heading is on the first screen (top ${mainTop})`);
        await page.screenshot({ path: artifactPath("docs-googleapis-phone.png") });
      }
      await page.close();
    });

    it("a comment reference is a link that lands on its target, below the visible search header", async () => {
      // A field whose comment references a message of its own package ([Text][google.spanner.v1.X]), from the model.
      const pkg = "google.spanner.v1";
      const messages = new Set(model.files.flatMap((f) => f.messages.map((m) => m.fullName)));
      let found: { row: string; target: string } | undefined;
      for (const f of model.files.filter((x) => x.package === pkg)) {
        for (const m of f.messages) {
          for (const fld of m.fields) {
            const ref = /\]\[(google\.spanner\.v1\.[A-Z]\w*)\]/.exec(fld.description);
            if (ref && messages.has(ref[1]) && !m.isMapEntry)
              found ??= { row: `${m.fullName}.${fld.name}`, target: ref[1] };
          }
        }
      }
      assert.ok(found, "spanner has a field comment with a [Text][google.spanner.v1.X] reference");
      const page = await open(ctx, `pkg/${pkg}.html`);
      const link = page.locator(`[id="${found.row}"] td:last-child a[href="#${found.target}"]`).first();
      assert.equal(await link.count(), 1, `${found.row}'s comment links ${found.target}`);
      assert.doesNotMatch(
        (await page.locator(`[id="${found.row}"]`).textContent()) ?? "",
        /\]\[google\./,
        "no raw reference left",
      );
      await link.scrollIntoViewIfNeeded();
      await Promise.all([page.waitForURL((u) => u.hash === `#${found.target}`), link.click()]);
      await page.waitForFunction((id) => {
        const r = document.getElementById(id)!.getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight;
      }, found.target);
      assert.deepEqual(await landedOn(page, found.target), { visible: true, headerVisible: true });
      await page.close();
    });

    it("a Go-style index.html#pkg.Message link lands on the message's page and anchor", async () => {
      const page = await open(ctx, "index.html");
      await Promise.all([
        page.waitForURL(/pkg\/google\.pubsub\.v1\.html#google\.pubsub\.v1\.Topic$/),
        page.goto(`${url("index.html")}#google.pubsub.v1.Topic`),
      ]);
      await page.locator('[id="google.pubsub.v1.Topic"]').waitFor();
      await page.waitForFunction(() => {
        const r = document.getElementById("google.pubsub.v1.Topic")!.getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight;
      });
      assert.deepEqual(await landedOn(page, "google.pubsub.v1.Topic"), { visible: true, headerVisible: true });
      // Go's file anchors too (index.html#google%2fpubsub%2fv1%2fpubsub.proto).
      await Promise.all([
        page.waitForURL(/pkg\/google\.pubsub\.v1\.html#file:google\/pubsub\/v1\/pubsub\.proto$/),
        page.goto(`${url("index.html")}#google%2fpubsub%2fv1%2fpubsub.proto`),
      ]);
      await page.close();
    });

    it("searching a word that appears only in comments finds it", async () => {
      const word = "acknowledgment";
      const names = model.files.flatMap((f) => [
        f.name,
        ...f.messages.flatMap((m) => [m.fullName, ...m.fields.map((x) => x.name)]),
        ...f.enums.flatMap((e) => [e.fullName, ...e.values.map((v) => v.name)]),
        ...f.services.flatMap((s) => [s.fullName, ...s.methods.map((m) => m.name)]),
      ]);
      assert.ok(!names.some((n) => n.toLowerCase().includes(word)), `"${word}" is in no name`);
      const withWord = model.files.flatMap((f) =>
        f.messages.flatMap((m) =>
          m.fields.filter((x) => x.description.toLowerCase().includes(word)).map((x) => `${m.fullName}.${x.name}`),
        ),
      );
      assert.ok(withWord.length > 0, `"${word}" is in some field comment`);
      const page = await open(ctx, "index.html");
      await page.locator("#search-input").fill(word);
      const hits = page.locator("#search-results a.hit");
      await hits.first().waitFor();
      const hrefs = await hits.evaluateAll((as) =>
        as.map((a) => decodeURIComponent(new URL((a as HTMLAnchorElement).href).hash.slice(1))),
      );
      assert.ok(
        hrefs.some((h) => withWord.includes(h)),
        `a hit is one of the fields whose comment has "${word}"`,
      );
      assert.match(
        (await hits.first().locator(".snip mark").textContent()) ?? "",
        new RegExp(word, "i"),
        "the hit shows the word in context",
      );
      await page.close();
    });

    it("'Referenced by' on Topic lists exactly the fields and methods that use it", async () => {
      const topic = `${PUBSUB}.Topic`;
      const expected = new Set<string>();
      for (const f of model.files) {
        for (const m of f.messages) {
          if (m.isMapEntry) continue;
          for (const x of m.fields)
            if ((x.ismap ? x.mapValueFullType : x.fullType) === topic) expected.add(`${m.fullName}.${x.name}`);
        }
        for (const s of f.services) {
          for (const m of s.methods) {
            if (m.requestFullType === topic) expected.add(`${s.fullName}.${m.name} (request)`);
            if (m.responseFullType === topic) expected.add(`${s.fullName}.${m.name} (response)`);
          }
        }
      }
      assert.ok(expected.size >= 3, `Topic is used (${[...expected].join(", ")})`);
      const page = await open(ctx, `pkg/${PUBSUB}.html`);
      const shown = await page.locator(`[id="${topic}"] > .refs li`).allTextContents();
      assert.deepEqual(new Set(shown.map((s) => s.trim())), expected);
      await page.close();
    });

    it("every field, value and method has a visible permalink to itself", async () => {
      const page = await open(ctx, `pkg/${PUBSUB}.html`);
      const missing = await page.evaluate(() => {
        const out: string[] = [];
        for (const el of Array.from(
          document.querySelectorAll("table.fields tbody tr:not(.oneof-head), table.values tbody tr, section.method"),
        )) {
          const a = el.querySelector(`a.permalink[href="#${CSS.escape(el.id)}"]`) as HTMLElement | null;
          if (!a || a.getBoundingClientRect().width === 0) out.push(el.id);
        }
        return out;
      });
      assert.deepEqual(missing.slice(0, 5), []);
      await page.close();
    });

    it("axe-core finds no violations on the index, a package page and a search result", async () => {
      // longrunning: a whole package page (service, messages, enums) that axe gets through in reasonable time.
      for (const path of ["index.html", "pkg/google.longrunning.html"]) {
        const page = await open(ctx, path);
        assert.deepEqual(await axeViolations(page), [], path);
        await page.close();
      }
      const page = await open(ctx, "index.html");
      await page.locator("#search-input").fill("topic");
      await page.locator("#search-results a.hit").first().waitFor();
      assert.deepEqual(await axeViolations(page), [], "with search results open");
      await page.close();
    });
  });
}

describe("googleapis site in dark mode", () => {
  it("follows prefers-color-scheme: dark backgrounds, light text, and axe finds no contrast problem", async () => {
    const ctx = await browser.newContext({ ...PHONE, colorScheme: "dark", bypassCSP: true });
    const page = await open(ctx, "pkg/google.longrunning.html");
    const [bg, fg] = await page.evaluate(() => {
      const s = getComputedStyle(document.body);
      return [s.backgroundColor, s.color];
    });
    const luminance = (rgb: string) => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    assert.ok(luminance(bg) < 0.2, `dark background (${bg})`);
    assert.ok(luminance(fg) > 0.7, `light text (${fg})`);
    assert.deepEqual(await axeViolations(page), []);
    await page.screenshot({ path: artifactPath("docs-googleapis-dark.png") });
    await ctx.close();
  });

  it("logged no console errors on any page", () => {
    assert.deepEqual(consoleErrors, []);
  });
});

// Launches Debian's Chromium (apt-get install chromium) through playwright-core.
// Playwright's own browser download cannot work on this network, so the
// executable is the system one; a missing browser fails the test loudly
// instead of skipping it. Nothing here has a timeout (Playwright's default is
// 30 s per action): a loaded machine makes Chromium slow, not wrong.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { repoRoot } from "./repo.js";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  Boolean,
) as string[];

export async function launchChromium(): Promise<Browser> {
  const executablePath = CANDIDATES.find((p) => existsSync(p));
  if (!executablePath) {
    throw new Error(
      `no Chromium found (looked at ${CANDIDATES.join(", ")}); install it with: apt-get install -y chromium`,
    );
  }
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 0,
    // No sandbox as root in CI; no GPU; and no background networking, whose
    // connections this machine's closed network refuses by the dozen.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  // browser.newPage() goes through newContext() too, so every page gets no timeout.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(0);
    context.setDefaultNavigationTimeout(0);
    return context;
  };
  return browser;
}

/** Where tests save screenshots and other artifacts: test-results/ (gitignored). */
export function artifactPath(name: string): string {
  const dir = join(repoRoot, "test-results");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

// Launches Debian's Chromium (apt-get install chromium) through playwright-core.
// Playwright's own browser download cannot work on this network, so the
// executable is the system one; a missing browser fails the test loudly
// instead of skipping it.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { repoRoot } from "../../scripts/lib/repo.js";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean) as string[];

export async function launchChromium(): Promise<Browser> {
  const executablePath = CANDIDATES.find((p) => existsSync(p));
  if (!executablePath) {
    throw new Error(`no Chromium found (looked at ${CANDIDATES.join(", ")}); install it with: apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    // No sandbox as root in CI; no GPU; and no background networking, whose
    // connections this machine's closed network refuses by the dozen.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

/** Where tests save screenshots and other artifacts: test-results/ (gitignored). */
export function artifactPath(name: string): string {
  const dir = join(repoRoot, "test-results");
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

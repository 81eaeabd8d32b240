// npm run release [-- <semantic-release options>]: semantic-release, saying
// loudly when it only does a dry run. Outside a CI it cannot recognise,
// semantic-release switches to dry-run mode by itself, still logs "Published
// release X" and exits 0, which looks like a release that did nothing. Here
// a dry run is announced before and after, and its "Published" line says
// that nothing was published. `-- --no-ci` releases for real from a terminal.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { runIfEntryPoint } from "../lib/infra/entry.js";
import { bin } from "../lib/infra/exec.js";
import { repoRoot } from "../lib/infra/repo.js";

const DRY_RUN_LINE = /dry-run mode/;
const PUBLISHED_LINE = /Published release (\S+).*$/;

export function dryRunBanner(when: "start" | "end"): string {
  const bar = "=".repeat(78);
  const lines =
    when === "start"
      ? [
          "DRY RUN: nothing will be tagged, pushed or published.",
          "semantic-release runs outside a CI it knows, so it only shows what it would do.",
        ]
      : ["DRY RUN: nothing was tagged, pushed or published."];
  return [
    bar,
    ...lines,
    "To release for real from a terminal: npm run release -- --no-ci",
    '(README: "Release from a terminal / to a private registry")',
    bar,
  ].join("\n");
}

/** One line of semantic-release's output as this wrapper shows it. */
export function rewriteLine(line: string, dryRun: boolean): string {
  if (!dryRun) return line;
  return line.replace(
    PUBLISHED_LINE,
    "DRY RUN: release $1 was NOT published (nothing was tagged, pushed or published)",
  );
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const child = spawn(process.execPath, [bin("semantic-release", repoRoot), ...args], {
    stdio: ["inherit", "pipe", "pipe"],
  });
  let dryRun = args.includes("--dry-run") || args.includes("-d");
  const relay = (from: NodeJS.ReadableStream, to: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      const rl = createInterface({ input: from, crlfDelay: Infinity });
      rl.on("line", (line) => {
        if (!dryRun && DRY_RUN_LINE.test(line)) {
          dryRun = true;
          process.stderr.write(`${dryRunBanner("start")}\n`);
        }
        to.write(`${rewriteLine(line, dryRun)}\n`);
      });
      rl.on("close", resolve);
    });
  const [code] = await Promise.all([
    new Promise<number>((resolve) => child.on("close", (c, signal) => resolve(c ?? (signal ? 128 : 1)))),
    relay(child.stdout!, process.stdout),
    relay(child.stderr!, process.stderr),
  ]);
  if (dryRun) process.stderr.write(`${dryRunBanner("end")}\n`);
  return code;
}

runIfEntryPoint(import.meta.url, "release", main);

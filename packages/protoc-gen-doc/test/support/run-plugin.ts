// Runs the real buf with the plugin from source (through tsx) and returns
// the output directory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bin, runOrThrow } from "@acme/test-support/exec";

const here = dirname(fileURLToPath(import.meta.url));
export const PLUGIN_SRC = join(here, "..", "..", "src", "protoc-gen-doc.ts");
export const FIXTURES = join(here, "..", "fixtures");
// Absolute, so the plugin also runs on inputs outside the repo (a temp corpus).
const TSX_LOADER = import.meta.resolve("tsx");

export interface PluginRun {
  outDir: string;
  stderr: string;
}

/** buf generate <input> with protoc-gen-doc and the given opts; `input` is a directory relative to `cwd`. */
export async function runPlugin(
  opt: string[],
  opts: { cwd?: string; input?: string; outDir?: string } = {},
): Promise<PluginRun> {
  const cwd = opts.cwd ?? FIXTURES;
  const outDir = opts.outDir ?? mkdtempSync(join(tmpdir(), "pgd-out-"));
  const template = JSON.stringify({
    version: "v2",
    plugins: [{ local: [process.execPath, "--import", TSX_LOADER, PLUGIN_SRC], out: outDir, strategy: "all", opt }],
  });
  const r = await runOrThrow(bin("buf"), ["generate", opts.input ?? ".", "--template", template], { cwd });
  return { outDir, stderr: r.stderr };
}

// Biome as npm run lint and the pre-commit hook run it. Every finding counts,
// infos included: Biome's own exit code covers errors, warnings only with
// --error-on-warnings, and infos never, so findings are counted from its report.
import { realpathSync } from "node:fs";
import { bin, type RunResult, run } from "./exec.js";
import { repoRoot } from "./repo.js";

/** What Biome checks: the extensions biome.jsonc includes. */
export const BIOME_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

export interface BiomeOptions {
  /** Where Biome runs (its biome.jsonc is found from there); the repo by default. */
  cwd?: string;
  /** GitHub annotations (`::error file=…,line=…::`) instead of Biome's text report. */
  github?: boolean;
  /** The repo whose node_modules holds Biome. */
  toolsRoot?: string;
}

/**
 * Runs `biome <args>` (e.g. `ci .`) with every diagnostic shown and no colours (the
 * output is captured). GitHub annotations name files relative to `cwd`, as the
 * text report does; Biome itself gives absolute paths there.
 */
export async function runBiome(args: string[], opts: BiomeOptions = {}): Promise<RunResult> {
  const cwd = opts.cwd ?? repoRoot;
  const r = await run(
    bin("biome", opts.toolsRoot),
    [
      ...args,
      "--colors=off",
      "--error-on-warnings",
      "--max-diagnostics=none",
      ...(opts.github ? ["--reporter=github"] : []),
    ],
    { cwd },
  );
  if (opts.github) {
    for (const dir of new Set([cwd, realpathSync(cwd)])) r.stdout = r.stdout.replaceAll(`file=${dir}/`, "file=");
  }
  return r;
}

/**
 * How many findings (errors, warnings and infos) a Biome run reported: the
 * "Found N …" lines of its text report, or its annotations. undefined when it
 * failed without reporting any (a bad configuration, a crash): a failure too.
 */
export function biomeFindings(r: RunResult): number | undefined {
  const out = r.stdout + r.stderr;
  let n = [...out.matchAll(/^::(?:error|warning|notice) /gm)].length;
  for (const m of out.matchAll(/^Found (\d+) (?:errors?|warnings?|infos?)\.$/gm)) n += Number(m[1]);
  return n === 0 && r.code !== 0 ? undefined : n;
}

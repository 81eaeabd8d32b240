// The one npm every release step runs: `npm pack`, `view`, `whoami`,
// `publish`, `dist-tag`, `unpublish`, and `npm run` of the build and docs
// scripts. Every npm command of scripts/release goes through this module.
//
// Which npm, and why: the one the repo pins (devDependency `npm`, exact
// version, in the lockfile), run by the node that runs the release. The
// release is content-addressed: each run packs the tag's packages and compares
// the tarballs byte for byte with what the registry holds (EINTEGRITY), and
// those bytes are npm's (its packlist picks the files, its tar writer the
// entries and headers). So every run of a release, in CI, its re-run, or
// `npm run release:recover` on a laptop, must pack with the same npm. The npm
// on PATH is whatever the machine has, and which one a release got depended on
// how it was started: `npm run release` puts node_modules/.bin (this npm)
// first on PATH, a release started by node directly got the system's.
// Installs are another matter: they use the npm that runs us (npmCommand in
// scripts/lib/infra/exec.ts).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { run, type RunResult } from "../lib/infra/exec.js";
import { repoRoot } from "../lib/infra/repo.js";

/** Where and with which environment a release step runs npm. */
export interface NpmContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

let cli: string | undefined;

/** The pinned npm's CLI script (node_modules/npm/bin/npm-cli.js, as npm's package.json names it). */
export function releaseNpmCli(): string {
  if (cli) return cli;
  let manifest: string;
  try {
    manifest = createRequire(join(repoRoot, "package.json")).resolve("npm/package.json");
  } catch {
    throw new Error(
      `the release's npm is not installed in ${repoRoot}/node_modules (devDependency "npm" in package.json): run npm ci`,
    );
  }
  const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin: Record<string, string> }).bin.npm;
  cli = join(dirname(manifest), bin);
  return cli;
}

/**
 * npm with `args` in the step's cwd and environment, errors only in its log
 * and no update notice; never throws on a non-zero exit (the caller reads it).
 */
export function npm(args: string[], ctx: NpmContext): Promise<RunResult> {
  return run(process.execPath, [releaseNpmCli(), ...args], {
    cwd: ctx.cwd,
    env: { ...ctx.env, npm_config_loglevel: "error", npm_config_update_notifier: "false" },
  });
}

/** Like npm, but rejects with npm's own output when it fails. */
export async function npmOrThrow(args: string[], ctx: NpmContext): Promise<RunResult> {
  const r = await npm(args, ctx);
  if (r.code !== 0) {
    const out = (r.stderr + r.stdout).trim();
    throw new Error(`npm ${args.join(" ")} exited ${r.code}${out ? `:\n${out}` : ""}`);
  }
  return r;
}

/** `npm run -s <script> [-- args]` in the step's checkout; rejects with the script's output when it fails. */
export function npmRunScript(script: string, args: string[], ctx: NpmContext): Promise<RunResult> {
  return npmOrThrow(["run", "-s", script, ...(args.length ? ["--", ...args] : [])], ctx);
}

// The npm registry side of a release: which registry a package goes to, the
// token, and the npm commands (whoami, view, publish, dist-tag), each run
// through the npm CLI so that every npm config source is honoured.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../lib/exec.js";
import type { PackageJson } from "../lib/package-plan.js";
import { ReleaseError } from "./errors.js";

export interface NpmContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A registry URL with exactly one trailing slash. */
export function normalizeRegistry(url: string): string {
  return url.replace(/\/+$/, "") + "/";
}

/** The `//host/path/` key npm uses for a registry's credentials in .npmrc. */
export function nerfDart(registry: string): string {
  const u = new URL(normalizeRegistry(registry));
  return `//${u.host}${u.pathname}`;
}

async function npm(args: string[], ctx: NpmContext) {
  return run("npm", args, { cwd: ctx.cwd, env: { ...ctx.env, npm_config_loglevel: "error", npm_config_update_notifier: "false" } });
}

const configCache = new WeakMap<NpmContext, Promise<Record<string, unknown>>>();

/** npm's whole resolved config in `cwd` (project .npmrc, user, global, env), read once per context. */
export function npmConfig(ctx: NpmContext): Promise<Record<string, unknown>> {
  let cached = configCache.get(ctx);
  if (!cached) {
    cached = npm(["config", "list", "--json"], ctx).then((r) => {
      if (r.code !== 0) throw new ReleaseError("ENPMCONFIG", `npm config list failed in ${ctx.cwd}: ${firstErrorLine(r.stderr + r.stdout)}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    });
    configCache.set(ctx, cached);
  }
  return cached;
}

/** One npm config value as npm resolves it; undefined when unset. */
export async function npmConfigGet(key: string, ctx: NpmContext): Promise<string | undefined> {
  const v = (await npmConfig(ctx))[key];
  return typeof v === "string" && v ? v : undefined;
}

/**
 * Where a package is published: its publishConfig.registry, else the
 * registry configured for its scope, else the npm `registry` config (which
 * NPM_CONFIG_REGISTRY sets).
 */
export async function targetRegistry(pj: PackageJson, ctx: NpmContext): Promise<string> {
  const own = (pj.publishConfig as { registry?: string } | undefined)?.registry;
  if (own) return normalizeRegistry(own);
  const scope = pj.name.startsWith("@") ? pj.name.slice(0, pj.name.indexOf("/")) : undefined;
  const scoped = scope ? await npmConfigGet(`${scope}:registry`, ctx) : undefined;
  return normalizeRegistry(scoped ?? (await npmConfigGet("registry", ctx)) ?? "https://registry.npmjs.org/");
}

/**
 * With NPM_TOKEN set, an npm context whose user config is the current one
 * plus `//registry/:_authToken=${NPM_TOKEN}` for each target registry. The
 * token stays in the environment: npm expands the reference itself, so it is
 * never written to disk. Without NPM_TOKEN, npm's own auth config is used.
 */
export async function withToken(ctx: NpmContext, registries: string[]): Promise<{ ctx: NpmContext; cleanup: () => void }> {
  if (!ctx.env.NPM_TOKEN) return { ctx, cleanup: () => {} };
  const current = await npmConfigGet("userconfig", ctx);
  const base = current && existsSync(current) ? readFileSync(current, "utf8") : "";
  const dir = mkdtempSync(join(tmpdir(), "release-npmrc-"));
  const file = join(dir, ".npmrc");
  const lines = [...new Set(registries.map(nerfDart))].map((n) => `${n}:_authToken=\${NPM_TOKEN}`);
  writeFileSync(file, `${base.trimEnd()}\n${lines.join("\n")}\n`, { mode: 0o600 });
  const env = Object.fromEntries(Object.entries(ctx.env).filter(([k]) => k.toLowerCase() !== "npm_config_userconfig"));
  return { ctx: { cwd: ctx.cwd, env: { ...env, npm_config_userconfig: file } }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function firstErrorLine(out: string): string {
  const lines = out.split("\n").map((l) => l.replace(/^npm (error|ERR!)\s*/, "").trim()).filter((l) => l && !/^(code|A complete log|Unknown user config)/.test(l) && !l.startsWith("npm warn"));
  return lines[0] ?? "no output";
}

/** The user the token authenticates as on `registry`; throws a ReleaseError naming the registry otherwise. */
export async function whoami(registry: string, ctx: NpmContext): Promise<string> {
  const r = await npm(["whoami", "--registry", registry], ctx);
  if (r.code === 0 && r.stdout.trim()) return r.stdout.trim();
  const out = r.stderr + r.stdout;
  const unreachable = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|socket hang up/.test(out);
  const why = firstErrorLine(out);
  if (unreachable) {
    throw new ReleaseError("ENPMREGISTRY", `The npm registry ${registry} is unreachable (${why}).`,
      `Nothing was tagged or published. Check the registry URL (publishConfig.registry, the @scope:registry or registry npm config, NPM_CONFIG_REGISTRY) and the network.`);
  }
  throw new ReleaseError("ENPMAUTH", `npm whoami against ${registry} failed: the token is ${ctx.env.NPM_TOKEN ? "invalid or expired" : "missing"} (${why}).`,
    `Nothing was tagged or published. Set NPM_TOKEN to a token that can publish to ${registry} (or configure npm auth for it), then re-run.`);
}

/** Whether name@version is in the registry. Errors other than "not found" throw: guessing could double-publish or skip. */
export async function isPublished(name: string, version: string, registry: string, ctx: NpmContext): Promise<boolean> {
  const r = await npm(["view", `${name}@${version}`, "version", "--json", "--prefer-online", "--registry", registry], ctx);
  if (r.code === 0) return r.stdout.trim() !== "" && JSON.parse(r.stdout) === version;
  if (/E404|404 Not Found|is not in this registry/.test(r.stderr + r.stdout)) return false;
  throw new ReleaseError("ENPMVIEW", `cannot tell whether ${name}@${version} is in ${registry}: ${firstErrorLine(r.stderr + r.stdout)}`);
}

export interface PublishOptions {
  registry: string;
  distTag: string;
  provenance: boolean;
}

/** Publishes a packed tarball; returns false when that version was already there (a concurrent or earlier run). */
export async function publishTarball(name: string, tarball: string, opts: PublishOptions, ctx: NpmContext): Promise<boolean> {
  const scope = name.startsWith("@") ? name.slice(0, name.indexOf("/")) : undefined;
  const args = ["publish", tarball, "--tag", opts.distTag, "--registry", opts.registry, "--access", "public"];
  // A scope registry would win over --registry; pin both to the resolved target.
  if (scope) args.push(`--${scope}:registry=${opts.registry}`);
  if (opts.provenance) args.push("--provenance");
  const r = await npm(args, ctx);
  if (r.code === 0) return true;
  const out = r.stderr + r.stdout;
  if (/EPUBLISHCONFLICT|cannot publish over|previously published|E409/.test(out)) return false;
  throw new ReleaseError("ENPMPUBLISH", `npm publish of ${name} to ${opts.registry} failed: ${firstErrorLine(out)}`,
    `The packages published before it stay published. Re-run the release (or npm run release:recover -- <tag>) to publish only what is missing.`);
}

export async function addDistTag(name: string, version: string, distTag: string, registry: string, ctx: NpmContext): Promise<void> {
  const r = await npm(["dist-tag", "add", `${name}@${version}`, distTag, "--registry", registry], ctx);
  if (r.code !== 0) throw new ReleaseError("ENPMDISTTAG", `npm dist-tag add ${name}@${version} ${distTag} on ${registry} failed: ${firstErrorLine(r.stderr + r.stdout)}`);
}

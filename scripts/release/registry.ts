// The npm registry side of a release: which registry a package goes to, the
// token, and the npm commands (whoami, view, publish, dist-tag), each run
// through the release's npm CLI (npm.ts) so that every npm config source is honoured.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PackageJson } from "../lib/infra/workspaces.js";
import { type ReleaseError, releaseError } from "./errors.js";
import { npm, type NpmContext } from "./npm.js";

/** A registry URL with exactly one trailing slash. */
export function normalizeRegistry(url: string): string {
  return `${url.replace(/\/+$/, "")}/`;
}

/** The `//host/path/` key npm uses for a registry's credentials in .npmrc. */
export function nerfDart(registry: string): string {
  const u = new URL(normalizeRegistry(registry));
  return `//${u.host}${u.pathname}`;
}

const configCache = new WeakMap<NpmContext, Promise<Record<string, unknown>>>();

/** npm's whole resolved config in `cwd` (project .npmrc, user, global, env), read once per context. */
export function npmConfig(ctx: NpmContext): Promise<Record<string, unknown>> {
  let cached = configCache.get(ctx);
  if (!cached) {
    cached = npm(["config", "list", "--json"], ctx).then((r) => {
      if (r.code !== 0) throw releaseError("ENPMCONFIG", { cwd: ctx.cwd, why: firstErrorLine(r.stderr + r.stdout) });
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
export async function withToken(
  ctx: NpmContext,
  registries: string[],
): Promise<{ ctx: NpmContext; cleanup: () => void }> {
  if (!ctx.env.NPM_TOKEN) return { ctx, cleanup: () => {} };
  const current = await npmConfigGet("userconfig", ctx);
  const base = current && existsSync(current) ? readFileSync(current, "utf8") : "";
  const dir = mkdtempSync(join(tmpdir(), "release-npmrc-"));
  const file = join(dir, ".npmrc");
  const lines = [...new Set(registries.map(nerfDart))].map((n) => `${n}:_authToken=\${NPM_TOKEN}`);
  writeFileSync(file, `${base.trimEnd()}\n${lines.join("\n")}\n`, { mode: 0o600 });
  const env = Object.fromEntries(Object.entries(ctx.env).filter(([k]) => k.toLowerCase() !== "npm_config_userconfig"));
  return {
    ctx: { cwd: ctx.cwd, env: { ...env, npm_config_userconfig: file } },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** npm's own fields (code, errno, syscall, ...) are noise to a reader; the sentence after them is the news. */
const NPM_FIELD_LINE = /^(code|errno|syscall|address|port|type|A complete log|Unknown user config)\b/;

function firstErrorLine(out: string): string {
  const lines = out
    .split("\n")
    .map((l) => l.replace(/^npm (error|ERR!)\s*/, "").trim())
    .filter((l) => l && !NPM_FIELD_LINE.test(l) && !l.startsWith("npm warn"));
  return lines[0] ?? "no output";
}

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|socket hang up/;

/** "connection refused" and the like, in words, for a registry npm could not reach. */
function unreachableReason(out: string): string | undefined {
  const code = UNREACHABLE.exec(out)?.[0];
  if (!code) return undefined;
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused: nothing listens there",
    ENOTFOUND: "host name not found",
    EAI_AGAIN: "DNS lookup failed",
    ETIMEDOUT: "connection timed out",
    ECONNRESET: "connection reset",
    EHOSTUNREACH: "host unreachable",
  };
  return words[code] ?? code;
}

/** The release tag of a version, as release.config.mjs formats it (for messages). */
export const tagOf = (version: string) => `v${version}`;

/** The user the token authenticates as on `registry`; throws a ReleaseError naming the registry otherwise. */
export async function whoami(registry: string, ctx: NpmContext): Promise<string> {
  const r = await npm(["whoami", "--registry", registry], ctx);
  if (r.code === 0 && r.stdout.trim()) return r.stdout.trim();
  const out = r.stderr + r.stdout;
  const unreachable = unreachableReason(out);
  const why = firstErrorLine(out);
  if (unreachable) {
    throw releaseError("ENPMREGISTRY", { registry, why: unreachable });
  }
  throw releaseError("ENPMAUTH", { registry, tokenSet: Boolean(ctx.env.NPM_TOKEN), why });
}

/** What a registry holds for name@version: its tarball's digests and URL. */
export interface RegistryDist {
  integrity?: string;
  shasum?: string;
  tarball?: string;
}

function viewError(name: string, version: string, registry: string, out: string): ReleaseError {
  const unreachable = unreachableReason(out);
  return releaseError("ENPMVIEW", {
    id: `${name}@${version}`,
    registry,
    why: unreachable ? `the registry is unreachable (${unreachable})` : firstErrorLine(out),
  });
}

/** The registry's dist of name@version; undefined when it has no such version. Other errors throw: guessing could double-publish or skip. */
export async function registryDist(
  name: string,
  version: string,
  registry: string,
  ctx: NpmContext,
): Promise<RegistryDist | undefined> {
  const r = await npm(["view", `${name}@${version}`, "dist", "--json", "--prefer-online", "--registry", registry], ctx);
  if (r.code === 0) return r.stdout.trim() ? (JSON.parse(r.stdout) as RegistryDist) : undefined;
  if (/E404|404 Not Found|is not in this registry/.test(r.stderr + r.stdout)) return undefined;
  throw viewError(name, version, registry, r.stderr + r.stdout);
}

/** Whether name@version is in the registry (listed; see tarballFetchable for its content). */
export async function isPublished(name: string, version: string, registry: string, ctx: NpmContext): Promise<boolean> {
  return (await registryDist(name, version, registry, ctx)) !== undefined;
}

/** The digests npm computes for a tarball: sha512 SRI `integrity` and sha1 hex `shasum`. */
export function tarballDigests(file: string): { integrity: string; shasum: string } {
  const bytes = readFileSync(file);
  return {
    integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
    shasum: createHash("sha1").update(bytes).digest("hex"),
  };
}

/** Whether the registry's dist is exactly this content (integrity when it has one, else shasum). */
export function sameContent(dist: RegistryDist, local: { integrity: string; shasum: string }): boolean {
  if (dist.integrity?.startsWith("sha512-")) return dist.integrity === local.integrity;
  return dist.shasum === local.shasum;
}

/**
 * Whether the registry serves name@version's tarball, with the content it
 * lists (npm checks the integrity as it downloads). A fresh cache, so a local
 * copy cannot answer for the registry; no retries, so a lost file fails fast.
 */
export async function tarballFetchable(
  name: string,
  version: string,
  registry: string,
  ctx: NpmContext,
): Promise<{ ok: boolean; why: string }> {
  const cache = mkdtempSync(join(tmpdir(), "release-fetch-"));
  try {
    const scope = name.startsWith("@") ? [`--${name.slice(0, name.indexOf("/"))}:registry=${registry}`] : [];
    const r = await npm(
      [
        "pack",
        `${name}@${version}`,
        "--dry-run",
        "--json",
        "--prefer-online",
        "--fetch-retries",
        "0",
        "--cache",
        cache,
        "--registry",
        registry,
        ...scope,
      ],
      ctx,
    );
    return r.code === 0 ? { ok: true, why: "" } : { ok: false, why: firstErrorLine(r.stderr + r.stdout) };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/**
 * Whether the token may publish `name` on `registry`, asked without
 * publishing: an empty PUT of the package document, which the registry must
 * refuse. A registry checks rights first (verdaccio's per-package ACLs, npm's
 * collaborators) and says 401/403 when there are none; any other refusal
 * (415, 400) means it got past the rights check. Without NPM_TOKEN npm's own
 * auth config is used by npm itself, and rights cannot be asked this way.
 */
export async function publishRights(
  name: string,
  registry: string,
  env: NodeJS.ProcessEnv,
): Promise<{ known: boolean; allowed: boolean; why: string }> {
  const token = env.NPM_TOKEN;
  if (!token) return { known: false, allowed: true, why: "no NPM_TOKEN" };
  let res: Response;
  try {
    res = await fetch(`${normalizeRegistry(registry)}${name.replace("/", "%2f")}`, {
      method: "PUT",
      headers: { "content-type": "text/plain", authorization: `Bearer ${token}` },
      body: "",
      redirect: "manual",
    });
  } catch (err) {
    throw releaseError("ENPMREGISTRY", {
      registry,
      why: unreachableReason(String((err as Error).cause ?? err)) ?? (err as Error).message,
    });
  }
  const text = (await res.text()).slice(0, 300);
  let why = `HTTP ${res.status}`;
  try {
    why = (JSON.parse(text) as { error?: string }).error ?? why;
  } catch {
    // not JSON: the status says enough
  }
  if (res.status === 401 || res.status === 403) return { known: true, allowed: false, why };
  return { known: res.status >= 400, allowed: true, why };
}

export interface PublishOptions {
  registry: string;
  distTag: string;
  provenance: boolean;
}

/** Publishes a packed tarball; returns false when that version was already there (a concurrent or earlier run: the caller checks its content). */
export async function publishTarball(
  name: string,
  tarball: string,
  version: string,
  opts: PublishOptions,
  ctx: NpmContext,
): Promise<boolean> {
  const scope = name.startsWith("@") ? name.slice(0, name.indexOf("/")) : undefined;
  const args = ["publish", tarball, "--tag", opts.distTag, "--registry", opts.registry, "--access", "public"];
  // A scope registry would win over --registry; pin both to the resolved target.
  if (scope) args.push(`--${scope}:registry=${opts.registry}`);
  if (opts.provenance) args.push("--provenance");
  const r = await npm(args, ctx);
  if (r.code === 0) return true;
  const out = r.stderr + r.stdout;
  if (/EPUBLISHCONFLICT|cannot publish over|previously published|E409/.test(out)) return false;
  const unreachable = unreachableReason(out);
  throw releaseError("ENPMPUBLISH", {
    id: `${name}@${version}`,
    registry: opts.registry,
    why: unreachable ? `the registry is unreachable (${unreachable})` : firstErrorLine(out),
    tag: tagOf(version),
  });
}

/** Removes one version (to republish a lost tarball); false when the registry refuses. */
export async function unpublishVersion(
  name: string,
  version: string,
  registry: string,
  ctx: NpmContext,
): Promise<{ ok: boolean; why: string }> {
  const r = await npm(["unpublish", `${name}@${version}`, "--force", "--registry", registry], ctx);
  return r.code === 0 ? { ok: true, why: "" } : { ok: false, why: firstErrorLine(r.stderr + r.stdout) };
}

export async function addDistTag(
  name: string,
  version: string,
  distTag: string,
  registry: string,
  ctx: NpmContext,
): Promise<void> {
  const r = await npm(["dist-tag", "add", `${name}@${version}`, distTag, "--registry", registry], ctx);
  if (r.code !== 0)
    throw releaseError("ENPMDISTTAG", {
      id: `${name}@${version}`,
      distTag,
      registry,
      why: firstErrorLine(r.stderr + r.stdout),
      tag: tagOf(version),
    });
}

/** The registry's `latest` dist-tag of `name`, or undefined when it has none (or cannot say). */
export async function latestVersionOf(name: string, registry: string, ctx: NpmContext): Promise<string | undefined> {
  const r = await npm(["view", name, "dist-tags.latest", "--prefer-online", "--registry", registry], ctx);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

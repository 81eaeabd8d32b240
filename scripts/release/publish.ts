// Publishes a packed release set, skipping every name@version the registry
// already has, so a re-run after a failure only finishes the set.
import { join } from "node:path";
import type { ReleaseManifest } from "./pack.js";
import { isPublished, normalizeRegistry, publishTarball, targetRegistry, whoami, withToken, type NpmContext } from "./registry.js";

export interface PublishResult {
  published: string[];
  skipped: string[];
  registries: string[];
}

type Log = (msg: string) => void;

/** Each package's target registry, in manifest order. */
export async function registriesOf(manifest: ReleaseManifest, ctx: NpmContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of manifest.packages) {
    out.set(p.name, p.registry ? normalizeRegistry(p.registry) : await targetRegistry({ name: p.name, version: manifest.version }, ctx));
  }
  return out;
}

/** npm whoami against every registry; throws a ReleaseError naming the first that refuses. */
export async function verifyRegistries(registries: Iterable<string>, ctx: NpmContext, log: Log): Promise<void> {
  const unique = [...new Set(registries)];
  const { ctx: authed, cleanup } = await withToken(ctx, unique);
  try {
    for (const r of unique) log(`npm: authenticated as ${await whoami(r, authed)} on ${r}`);
  } finally {
    cleanup();
  }
}

/** The dist-tag of a semantic-release channel: the default channel is `latest`. */
export function distTagOf(channel: string | null | undefined): string {
  return channel || "latest";
}

/** Whether we are in GitHub Actions, where npm can sign provenance with the job's OIDC token. */
export function provenanceAvailable(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === "true";
}

export async function publishRelease(
  manifest: ReleaseManifest,
  outDir: string,
  opts: { distTag: string; ctx: NpmContext; log: Log },
): Promise<PublishResult> {
  const registries = await registriesOf(manifest, opts.ctx);
  const { ctx, cleanup } = await withToken(opts.ctx, [...registries.values()]);
  const result: PublishResult = { published: [], skipped: [], registries: [...new Set(registries.values())] };
  try {
    const already = await Promise.all(manifest.packages.map((p) => isPublished(p.name, manifest.version, registries.get(p.name)!, ctx)));
    for (const [i, p] of manifest.packages.entries()) {
      const id = `${p.name}@${manifest.version}`;
      const registry = registries.get(p.name)!;
      if (already[i]) {
        opts.log(`npm: ${id} is already in ${registry}; skipped`);
        result.skipped.push(id);
        continue;
      }
      const fresh = await publishTarball(p.name, join(outDir, p.tarball), { registry, distTag: opts.distTag, provenance: provenanceAvailable(ctx.env) }, ctx);
      opts.log(fresh ? `npm: published ${id} to ${registry} (dist-tag ${opts.distTag})` : `npm: ${id} appeared in ${registry} meanwhile; skipped`);
      (fresh ? result.published : result.skipped).push(id);
    }
    return result;
  } finally {
    cleanup();
  }
}

// Publishes a packed release set, content-addressed: before anything is
// published, each package's tarball is compared with what the registry
// already has at that version. The same content is skipped (a re-run only
// finishes the set); different content stops the whole set, naming both
// digests; a listed version whose tarball the registry cannot serve is
// republished (when asked to verify that).
import { join } from "node:path";
import { type ReleaseError, releaseError } from "./errors.js";
import type { ReleaseManifest } from "./pack.js";
import type { NpmContext } from "./npm.js";
import {
  addDistTag,
  normalizeRegistry,
  publishRights,
  publishTarball,
  registryDist,
  sameContent,
  tagOf,
  tarballDigests,
  tarballFetchable,
  targetRegistry,
  unpublishVersion,
  whoami,
  withToken,
  type RegistryDist,
} from "./registry.js";

export interface PublishResult {
  published: string[];
  skipped: string[];
  /** Listed in the registry but not served: unpublished and published again, with the same content. */
  republished: string[];
  registries: string[];
}

type Log = (msg: string) => void;

/** Each package's target registry, in manifest order. */
export async function registriesOf(manifest: ReleaseManifest, ctx: NpmContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of manifest.packages) {
    out.set(
      p.name,
      p.registry
        ? normalizeRegistry(p.registry)
        : await targetRegistry({ name: p.name, version: manifest.version }, ctx),
    );
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

/**
 * Asks each registry, before any tag, whether the token may publish each
 * package (see publishRights): throws ENPMRIGHTS naming every refusal.
 */
export async function verifyPublishRights(registries: Map<string, string>, env: NodeJS.ProcessEnv, log: Log) {
  const answers = await Promise.all(
    [...registries].map(async ([name, registry]) => ({
      name,
      registry,
      ...(await publishRights(name, registry, env)),
    })),
  );
  const refused = answers.filter((a) => !a.allowed);
  if (refused.length) throw releaseError("ENPMRIGHTS", { refused, total: answers.length });
  const unknown = answers.filter((a) => !a.known);
  if (unknown.length)
    log(
      `npm: publish rights of ${unknown.length} package(s) could not be checked in advance (${unknown[0].why}); a refusal would come at publish, after the tag`,
    );
  else log(`npm: the token may publish all ${answers.length} packages`);
}

/** Points `distTag` of every package at `version` (a release promoted to another channel). */
export async function addDistTags(
  registries: Map<string, string>,
  version: string,
  distTag: string,
  ctx: NpmContext,
  log: Log,
): Promise<void> {
  const { ctx: authed, cleanup } = await withToken(ctx, [...registries.values()]);
  try {
    for (const [name, registry] of registries) {
      await addDistTag(name, version, distTag, registry, authed);
      log(`npm: ${name}@${version} is now also ${distTag}`);
    }
  } finally {
    cleanup();
  }
}

/** Whether we are in GitHub Actions, where npm can sign provenance with the job's OIDC token. */
export function provenanceAvailable(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === "true";
}

interface Mismatch {
  id: string;
  registry: string;
  theirs: string;
  ours: string;
}

function digestOf(d: RegistryDist): string {
  return d.integrity ?? (d.shasum ? `sha1 ${d.shasum}` : "no digest listed");
}

function mismatchError(mismatches: Mismatch[], version: string, anyPublished: boolean): ReleaseError {
  return releaseError("EINTEGRITY", {
    ids: mismatches.map((m) => m.id),
    version,
    tag: tagOf(version),
    comparisons: mismatches.map(
      (m) => `${m.id} in ${m.registry}:\n  registry has  ${m.theirs}\n  tag builds    ${m.ours}`,
    ),
    anyPublished,
  });
}

/** A packed package and what its registry holds at the version. */
interface Checked {
  name: string;
  id: string;
  registry: string;
  file: string;
  local: { integrity: string; shasum: string };
  dist?: RegistryDist;
}

async function checkAll(
  manifest: ReleaseManifest,
  outDir: string,
  registries: Map<string, string>,
  ctx: NpmContext,
): Promise<Checked[]> {
  return Promise.all(
    manifest.packages.map(async (p) => {
      const file = join(outDir, p.tarball);
      const registry = registries.get(p.name)!;
      return {
        name: p.name,
        id: `${p.name}@${manifest.version}`,
        registry,
        file,
        local: tarballDigests(file),
        dist: await registryDist(p.name, manifest.version, registry, ctx),
      };
    }),
  );
}

function mismatchesOf(checked: Checked[]): Mismatch[] {
  return checked
    .filter((c) => c.dist && !sameContent(c.dist, c.local))
    .map((c) => ({ id: c.id, registry: c.registry, theirs: digestOf(c.dist!), ours: c.local.integrity }));
}

/**
 * Compares a packed set with the registries, publishing nothing: throws
 * EINTEGRITY when any version there has other content. The release runs it
 * before tagging, so a foreign tarball stops the release before the tag.
 */
export async function verifyPackedContent(
  manifest: ReleaseManifest,
  outDir: string,
  ctx: NpmContext,
): Promise<{ present: string[] }> {
  const registries = await registriesOf(manifest, ctx);
  const { ctx: authed, cleanup } = await withToken(ctx, [...registries.values()]);
  try {
    const checked = await checkAll(manifest, outDir, registries, authed);
    const mismatches = mismatchesOf(checked);
    if (mismatches.length) throw mismatchError(mismatches, manifest.version, false);
    return { present: checked.filter((c) => c.dist).map((c) => c.id) };
  } finally {
    cleanup();
  }
}

export async function publishRelease(
  manifest: ReleaseManifest,
  outDir: string,
  opts: {
    distTag: string;
    ctx: NpmContext;
    log: Log /** Also download every version already listed; republish what the registry cannot serve. */;
    verifyFetch?: boolean;
  },
): Promise<PublishResult> {
  const registries = await registriesOf(manifest, opts.ctx);
  const { ctx, cleanup } = await withToken(opts.ctx, [...registries.values()]);
  const result: PublishResult = {
    published: [],
    skipped: [],
    republished: [],
    registries: [...new Set(registries.values())],
  };
  const provenance = provenanceAvailable(ctx.env);
  try {
    const checked = await checkAll(manifest, outDir, registries, ctx);
    const mismatches = mismatchesOf(checked);
    if (mismatches.length) throw mismatchError(mismatches, manifest.version, false);
    const lost = new Set<string>();
    if (opts.verifyFetch) {
      const fetched = await Promise.all(
        checked.map((c) =>
          c.dist ? tarballFetchable(c.name, manifest.version, c.registry, ctx) : { ok: true, why: "" },
        ),
      );
      checked.forEach((c, i) => {
        if (!fetched[i].ok) {
          opts.log(`npm: ${c.id} is listed in ${c.registry} but its tarball cannot be fetched (${fetched[i].why})`);
          lost.add(c.id);
        }
      });
    }
    for (const c of checked) {
      if (c.dist && !lost.has(c.id)) {
        opts.log(
          `npm: ${c.id} is already in ${c.registry} with the same content (${c.local.integrity.slice(0, 22)}…); skipped`,
        );
        result.skipped.push(c.id);
        continue;
      }
      if (lost.has(c.id)) {
        const gone = await unpublishVersion(c.name, manifest.version, c.registry, ctx);
        if (!gone.ok) {
          throw releaseError("ELOSTTARBALL", {
            id: c.id,
            registry: c.registry,
            why: gone.why,
            integrity: c.local.integrity,
            file: c.file,
          });
        }
      }
      const fresh = await publishTarball(
        c.name,
        c.file,
        manifest.version,
        { registry: c.registry, distTag: opts.distTag, provenance },
        ctx,
      );
      if (fresh) {
        opts.log(
          `npm: ${lost.has(c.id) ? "republished" : "published"} ${c.id} to ${c.registry} (dist-tag ${opts.distTag})`,
        );
        (lost.has(c.id) ? result.republished : result.published).push(c.id);
        continue;
      }
      // Someone published it between our look and our publish: fine only if it is our content.
      const now = await registryDist(c.name, manifest.version, c.registry, ctx);
      if (now && !sameContent(now, c.local))
        throw mismatchError(
          [{ id: c.id, registry: c.registry, theirs: digestOf(now), ours: c.local.integrity }],
          manifest.version,
          result.published.length > 0,
        );
      opts.log(`npm: ${c.id} appeared in ${c.registry} meanwhile, with the same content; skipped`);
      result.skipped.push(c.id);
    }
    return result;
  } finally {
    cleanup();
  }
}

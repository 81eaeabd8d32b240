// Finishes the npm side of an existing release tag: builds and packs the
// packages as they were at the tag, then publishes only the versions the
// registry lacks. Used by the release plugin's analyzeCommits when the previous
// run was interrupted, and by hand through recover.ts (npm run release:recover).
import { join } from "node:path";
import { runOrThrow } from "../lib/infra/exec.js";
import { showFile } from "../lib/infra/git.js";
import type { PackageJson } from "../lib/infra/workspaces.js";
import { buildInputsHash, buildPackagesOnce } from "./build-stamp.js";
import {
  packRelease,
  readArchivedRelease,
  readPackedRelease,
  RELEASE_DIR,
  unpackedEntry,
  type ReleaseManifest,
} from "./pack.js";
import { hasDocsPublish, publishReleaseDocs } from "./gh-pages.js";
import { publishRelease, registriesOf, verifyRegistries, type PublishResult } from "./publish.js";
import { defaultDistTag } from "./dist-tags.js";
import type { NpmContext } from "./npm.js";
import { isPublished, latestVersionOf, withToken } from "./registry.js";
import { verifyTagOnRemote, versionOfTag, withTagCheckout } from "./tag-checkout.js";

type Log = (msg: string) => void;

export interface RecoverOptions {
  tag: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Defaults to defaultDistTag(). */
  distTag?: string;
  /** Build the packages before packing (default true); false packs the dist/ already there. */
  build?: boolean;
  /** Also publish the tag's docs to gh-pages on this remote (name or URL), when the repo has `docs:publish`. */
  docsRemote?: string;
  /** The git remote (name or URL) that must have the tag, on the same commit (default origin). */
  remote?: string;
  /** Download every version already listed, and republish what the registry cannot serve (default true). */
  verifyFetch?: boolean;
  log?: Log;
}

/**
 * Builds and packs the tag's packages in `dir` (the tag's checkout), reusing
 * a complete packed set for the version: the one in `dir`, or the one this
 * clone (`cwd`) archived when it packed the same build inputs.
 */
async function packAt(
  dir: string,
  cwd: string,
  tag: string,
  version: string,
  build: boolean,
  log: Log,
): Promise<{ manifest: ReleaseManifest; outDir: string }> {
  const outDir = join(dir, RELEASE_DIR);
  const packed = readPackedRelease(outDir, version);
  if (packed) {
    log(`recover: reusing the packed ${version} set in ${outDir}`);
    return { manifest: packed, outDir };
  }
  const archived = readArchivedRelease(cwd, version, (await buildInputsHash(cwd, tag))!);
  if (archived) {
    log(`recover: reusing the ${version} set this clone packed from the same sources, in ${archived.dir}`);
    return { manifest: archived.manifest, outDir: archived.dir };
  }
  if (build) {
    log(`recover: building the packages at ${version}`);
    await buildPackagesOnce(dir, process.env);
  }
  return { manifest: await packRelease(dir, version, outDir), outDir };
}

/** The publishable packages as they were at `ref` (name and publishConfig.registry), read from git. */
export async function packagesAtRef(ref: string, cwd: string): Promise<ReleaseManifest["packages"]> {
  const ls = await runOrThrow("git", ["ls-tree", "-d", "--name-only", `${ref}:packages`], { cwd });
  const out: ReleaseManifest["packages"] = [];
  for (const d of ls.stdout.split("\n").filter(Boolean)) {
    const text = await showFile(ref, `packages/${d}/package.json`, cwd);
    if (!text) continue;
    const pj = JSON.parse(text) as PackageJson;
    if (pj.private === true) continue;
    out.push(unpackedEntry(pj.name, `packages/${d}`, pj));
  }
  return out;
}

/** The packages of release `tag` missing from their registries, as name@version (empty when the set is complete). */
export async function missingFromRegistry(tag: string, ctx: NpmContext): Promise<string[]> {
  const version = versionOfTag(tag);
  const manifest: ReleaseManifest = { version, packages: await packagesAtRef(tag, ctx.cwd) };
  const registries = await registriesOf(manifest, ctx);
  const { ctx: authed, cleanup } = await withToken(ctx, [...registries.values()]);
  try {
    const present = await Promise.all(
      manifest.packages.map((p) => isPublished(p.name, version, registries.get(p.name)!, authed)),
    );
    return manifest.packages.filter((_, i) => !present[i]).map((p) => `${p.name}@${version}`);
  } finally {
    cleanup();
  }
}

/** The dist-tag policy (dist-tags.ts) applied to the registry's current `latest` of the set's first package. */
async function recoveryDistTag(
  manifest: ReleaseManifest,
  registries: Map<string, string>,
  ctx: NpmContext,
): Promise<string> {
  const first = manifest.packages[0];
  const latest = first ? await latestVersionOf(first.name, registries.get(first.name)!, ctx) : undefined;
  return defaultDistTag(manifest.version, latest);
}

export async function recoverRelease(
  opts: RecoverOptions,
): Promise<PublishResult & { version: string; distTag: string }> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const version = versionOfTag(opts.tag);
  await verifyTagOnRemote(opts.tag, opts.remote ?? "origin", opts.cwd);
  return withTagCheckout(
    opts.tag,
    opts.cwd,
    (m) => log(`recover: ${m}`),
    async (dir) => {
      const { manifest, outDir } = await packAt(dir, opts.cwd, opts.tag, version, opts.build ?? true, log);
      const ctx: NpmContext = { cwd: opts.cwd, env: opts.env };
      const registries = await registriesOf(manifest, ctx);
      await verifyRegistries(registries.values(), ctx, log);
      const distTag = opts.distTag || (await recoveryDistTag(manifest, registries, ctx));
      const result = await publishRelease(manifest, outDir, {
        distTag,
        ctx,
        log,
        verifyFetch: opts.verifyFetch ?? true,
      });
      if (opts.docsRemote && hasDocsPublish(dir)) {
        const docs = { version, cwd: dir, env: opts.env, remote: opts.docsRemote, log };
        await publishReleaseDocs({ ...docs, tag: opts.tag, warn: (m) => log(`recover: ${m}`) });
      }
      return { ...result, version, distTag };
    },
  );
}

// The repo's own semantic-release plugin (loaded through plugin.mjs). It
// publishes every workspace package at the release version, which
// @semantic-release/npm cannot do for a monorepo, and guards the release.
// Each step only orchestrates; what it does lives in the module named beside it:
//   verifyConditions  packages built (pack.ts); npm whoami on every target registry and
//                     publish rights per package (publish.ts)
//   analyzeCommits    the previous tag must be on the remote (tag-checkout.ts); finishes its
//                     release if its publish was cut short (recover-release.ts)
//   verifyRelease     schema safety net: undeclared breaking change -> refuse (safety-net.ts)
//   prepare           build (build-stamp.ts), pack build/release/*.tgz (pack.ts), compare with
//                     the registry (publish.ts), commit and push CHANGELOG.md (changelog.ts)
//   publish           publish what the registry lacks, under the channel's dist-tag (publish.ts, dist-tags.ts)
//   addChannel        move dist-tags when a release is promoted to another channel (publish.ts)
//   success           versioned docs to gh-pages, when `npm run docs:publish` exists (gh-pages.ts)
// Every failure is a ReleaseError from the catalogue in errors.ts; every npm command runs through npm.ts.
import { join } from "node:path";
import { buildPackagesOnce } from "./build-stamp.js";
import { commitChangelog } from "./changelog.js";
import { distTagOf, distTagOfChannels } from "./dist-tags.js";
import { releaseError } from "./errors.js";
import { hasDocsPublish, publishReleaseDocs } from "./gh-pages.js";
import type { NpmContext } from "./npm.js";
import {
  archivePackedRelease,
  verifyPackagesBuilt,
  packRelease,
  readPackedRelease,
  RELEASE_DIR,
  unpackedManifest,
} from "./pack.js";
import {
  addDistTags,
  publishRelease,
  registriesOf,
  verifyPackedContent,
  verifyPublishRights,
  verifyRegistries,
} from "./publish.js";
import { missingFromRegistry, recoverRelease } from "./recover-release.js";
import { checkSchemaSafety } from "./safety-net.js";
import { verifyTagOnRemote } from "./tag-checkout.js";

export interface PluginConfig {
  /** Build the packages in prepare (default true), so what is packed is built from the tagged tree. */
  build?: boolean;
  /** Commit CHANGELOG.md in prepare when it changed (default true). */
  commitChangelog?: boolean;
  /** Publish versioned docs on success (default: when `npm run docs:publish` exists). */
  docs?: boolean;
}

interface Release {
  version: string;
  gitTag: string;
  gitHead?: string;
  channel?: string | null;
  channels?: (string | null)[];
  type?: string;
}

export interface Context {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: { log: (...a: unknown[]) => void; success: (...a: unknown[]) => void; warn?: (...a: unknown[]) => void };
  options: { repositoryUrl: string; dryRun?: boolean };
  branch: { name: string; channel?: string | null };
  lastRelease?: Partial<Release>;
  nextRelease?: Release;
}

const npmCtx = (c: Context): NpmContext => ({ cwd: c.cwd, env: c.env });
const log = (c: Context) => (m: string) => c.logger.log(m);

export async function verifyConditions(_cfg: PluginConfig, c: Context): Promise<void> {
  verifyPackagesBuilt(c.cwd);
  const registries = await registriesOf(unpackedManifest(c.cwd), npmCtx(c));
  await verifyRegistries(registries.values(), npmCtx(c), log(c));
  await verifyPublishRights(registries, c.env, log(c));
}

export async function analyzeCommits(cfg: PluginConfig, c: Context): Promise<null> {
  const last = c.lastRelease;
  if (!last?.gitTag) return null;
  // semantic-release trusts local tags; a tag whose push failed must not count as a release.
  await verifyTagOnRemote(last.gitTag, c.options.repositoryUrl, c.cwd);
  if (c.options.dryRun) return null;
  const missing = await missingFromRegistry(last.gitTag, npmCtx(c));
  if (missing.length === 0) return null;
  c.logger.log(
    `release ${last.gitTag} is incomplete (${missing.join(", ")} missing); publishing the rest before anything else`,
  );
  const r = await recoverRelease({
    tag: last.gitTag,
    cwd: c.cwd,
    env: c.env,
    distTag: distTagOfChannels(last.channels ?? [c.branch.channel ?? null]),
    build: cfg.build ?? true,
    docsRemote: cfg.docs === false ? undefined : c.options.repositoryUrl,
    remote: c.options.repositoryUrl,
    // The registry said which versions it lists; downloading each is for release:recover.
    verifyFetch: false,
    log: log(c),
  });
  c.logger.success(`release ${last.gitTag} completed: ${r.published.join(", ")}`);
  return null;
}

export async function verifyRelease(_cfg: PluginConfig, c: Context): Promise<void> {
  const next = c.nextRelease!;
  const findings = await checkSchemaSafety({
    lastTag: c.lastRelease?.gitTag,
    releaseType: next.type ?? "",
    nextVersion: next.version,
    cwd: c.cwd,
  });
  if (findings.length)
    c.logger.log(
      `schema: ${findings.length} breaking change(s) since ${c.lastRelease?.gitTag}, declared: this is a major release`,
    );
  else c.logger.log(`schema: no breaking changes since ${c.lastRelease?.gitTag ?? "(first release)"}`);
}

export async function prepare(cfg: PluginConfig, c: Context): Promise<void> {
  const next = c.nextRelease!;
  if (cfg.build ?? true) {
    c.logger.log("building the packages");
    if (!(await buildPackagesOnce(c.cwd, c.env))) c.logger.log("the packages were already built from these sources");
  }
  const m = await packRelease(c.cwd, next.version);
  c.logger.log(`packed ${m.packages.length} packages at ${next.version} into ${RELEASE_DIR}/`);
  await archivePackedRelease(c.cwd, m);
  // Before the tag: a version the registry already holds with other content stops the release here.
  const { present } = await verifyPackedContent(m, join(c.cwd, RELEASE_DIR), npmCtx(c));
  if (present.length)
    c.logger.log(`npm: ${present.length} package(s) already in the registry at ${next.version} with the same content`);
  if (cfg.commitChangelog ?? true) {
    await commitChangelog({
      cwd: c.cwd,
      env: c.env,
      version: next.version,
      tag: next.gitTag,
      branch: c.branch.name,
      remote: c.options.repositoryUrl,
      log: log(c),
    });
  }
}

export async function publish(_cfg: PluginConfig, c: Context) {
  const next = c.nextRelease!;
  const outDir = join(c.cwd, RELEASE_DIR);
  const manifest = readPackedRelease(outDir, next.version);
  if (!manifest) throw releaseError("ENOTPACKED", { version: next.version, dir: outDir });
  const distTag = distTagOf(next.channel);
  const r = await publishRelease(manifest, outDir, { distTag, ctx: npmCtx(c), log: log(c) });
  return { name: `npm (${distTag}): ${manifest.packages.length} packages at ${next.version}`, url: r.registries[0] };
}

export async function addChannel(_cfg: PluginConfig, c: Context) {
  const next = c.nextRelease!;
  const distTag = distTagOf(next.channel);
  const registries = await registriesOf(unpackedManifest(c.cwd), npmCtx(c));
  await addDistTags(registries, next.version, distTag, npmCtx(c), log(c));
  return { name: `npm (${distTag})` };
}

export async function success(cfg: PluginConfig, c: Context): Promise<void> {
  const next = c.nextRelease;
  if (!next || !(cfg.docs ?? hasDocsPublish(c.cwd))) return;
  await publishReleaseDocs({
    version: next.version,
    cwd: c.cwd,
    env: c.env,
    remote: c.options.repositoryUrl,
    log: log(c),
    tag: next.gitTag,
    warn: (m) => (c.logger.warn ?? c.logger.log)(m),
  });
}

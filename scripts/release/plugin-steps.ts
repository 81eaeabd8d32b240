// The repo's own semantic-release plugin (loaded through plugin.mjs). It
// publishes every workspace package at the release version, which
// @semantic-release/npm cannot do for a monorepo, and guards the release:
//   verifyConditions  packages built; npm whoami on every target registry; publish rights per package
//   analyzeCommits    the previous tag must be on the remote; finishes its release if its publish was cut short
//   verifyRelease     schema safety net (undeclared breaking change -> refuse)
//   prepare           build, pack build/release/*.tgz, compare with the registry,
//                     commit and push CHANGELOG.md (undone locally when the push fails)
//   publish           publish what the registry lacks, under the channel's dist-tag
//   addChannel        move dist-tags when a release is promoted to another channel
//   success           versioned docs to gh-pages, when `npm run docs:publish` exists
import { existsSync } from "node:fs";
import { join } from "node:path";
import { run, runOrThrow } from "../lib/infra/exec.js";
import { buildInputsHash, buildPackagesOnce } from "./build-stamp.js";
import { dedupeChangelogFile } from "./changelog.js";
import { releaseError } from "./errors.js";
import {
  archivePackedRelease,
  missingBuildOutputs,
  packRelease,
  readPackedRelease,
  releasablePackages,
  RELEASE_DIR,
  unpackedEntry,
  type ReleaseManifest,
} from "./pack.js";
import { BOT_IDENTITY, hasDocsPublish, publishDocsToGhPages } from "./gh-pages.js";
import { distTagOf } from "./dist-tags.js";
import { publishRelease, registriesOf, verifyPackedContent, verifyRegistries } from "./publish.js";
import { missingFromRegistry, recoverRelease } from "./recover.js";
import { addDistTag, publishRights, withToken, type NpmContext } from "./registry.js";
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

function manifestFor(c: Context): ReleaseManifest {
  return {
    version: "0.0.0",
    packages: releasablePackages(c.cwd).map((p) => unpackedEntry(p.name, p.dir, p.packageJson)),
  };
}

export async function verifyConditions(_cfg: PluginConfig, c: Context): Promise<void> {
  const packages = releasablePackages(c.cwd);
  if (packages.length === 0) throw releaseError("ENOPACKAGES", { dir: join(c.cwd, "packages") });
  // The release workflow runs `npm run build` and `npm test` before semantic-release; no dist/ means it did not.
  const missing = packages.flatMap((p) => missingBuildOutputs(c.cwd, p));
  if (missing.length) {
    throw releaseError("ENOTBUILT", { missing });
  }
  const registries = await registriesOf(manifestFor(c), npmCtx(c));
  await verifyRegistries(registries.values(), npmCtx(c), (m) => c.logger.log(m));
  await verifyPublishRights(registries, c);
}

/** Asks each registry, before any tag, whether the token may publish each package (see publishRights). */
async function verifyPublishRights(registries: Map<string, string>, c: Context): Promise<void> {
  const answers = await Promise.all(
    [...registries].map(async ([name, registry]) => ({
      name,
      registry,
      ...(await publishRights(name, registry, c.env)),
    })),
  );
  const refused = answers.filter((a) => !a.allowed);
  if (refused.length) {
    throw releaseError("ENPMRIGHTS", { refused, total: answers.length });
  }
  const unknown = answers.filter((a) => !a.known);
  if (unknown.length)
    c.logger.log(
      `npm: publish rights of ${unknown.length} package(s) could not be checked in advance (${unknown[0].why}); a refusal would come at publish, after the tag`,
    );
  else c.logger.log(`npm: the token may publish all ${answers.length} packages`);
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
  const channels = last.channels ?? [c.branch.channel ?? null];
  const r = await recoverRelease({
    tag: last.gitTag,
    cwd: c.cwd,
    env: c.env,
    distTag: distTagOf(channels[channels.length - 1]),
    build: cfg.build ?? true,
    docsRemote: cfg.docs === false ? undefined : c.options.repositoryUrl,
    remote: c.options.repositoryUrl,
    // The registry said which versions it lists; downloading each is for release:recover.
    verifyFetch: false,
    log: (m) => c.logger.log(m),
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
  const inputs = await buildInputsHash(c.cwd);
  if (inputs) archivePackedRelease(c.cwd, m, inputs);
  // Before the tag: a version the registry already holds with other content stops the release here.
  const { present } = await verifyPackedContent(m, join(c.cwd, RELEASE_DIR), npmCtx(c));
  if (present.length)
    c.logger.log(`npm: ${present.length} package(s) already in the registry at ${next.version} with the same content`);
  const changelog = join(c.cwd, "CHANGELOG.md");
  if ((cfg.commitChangelog ?? true) && existsSync(changelog)) {
    if (dedupeChangelogFile(changelog))
      c.logger.log(`CHANGELOG.md had an older ${next.version} section (an earlier run's); replaced it`);
    const status = await runOrThrow("git", ["status", "--porcelain", "--", "CHANGELOG.md"], { cwd: c.cwd });
    if (status.stdout.trim()) await commitAndPushChangelog(c);
  }
}

/**
 * Commits CHANGELOG.md and pushes the branch. semantic-release pushes only
 * the tag, so the branch must carry the release commit too. When the push
 * fails (rejected, or another run won a race), the local commit is undone, so
 * that a re-run in this clone does not push a second release commit.
 */
async function commitAndPushChangelog(c: Context): Promise<void> {
  const next = c.nextRelease!;
  const env = { ...BOT_IDENTITY, ...c.env };
  const before = (await runOrThrow("git", ["rev-parse", "HEAD"], { cwd: c.cwd })).stdout.trim();
  await runOrThrow("git", ["add", "CHANGELOG.md"], { cwd: c.cwd, env });
  await runOrThrow(
    "git",
    ["commit", "--no-verify", "-q", "-m", `chore(release): ${next.gitTag} [skip ci]\n\n${next.version}`],
    { cwd: c.cwd, env },
  );
  const push = await run("git", ["push", "-q", c.options.repositoryUrl, `HEAD:refs/heads/${c.branch.name}`], {
    cwd: c.cwd,
    env,
  });
  if (push.code !== 0) {
    // --keep: back to the commit before, CHANGELOG.md included (it has no other local edit).
    const reset = await run("git", ["reset", "-q", "--keep", before], { cwd: c.cwd, env });
    throw releaseError("EPUSHCHANGELOG", {
      tag: next.gitTag,
      branch: c.branch.name,
      why: push.stderr.trim().split("\n").slice(-1)[0] || `git exit ${push.code}`,
      undone: reset.code === 0,
      undoError: reset.stderr.trim(),
      before,
    });
  }
  c.logger.log(`committed and pushed CHANGELOG.md for ${next.gitTag}`);
}

export async function publish(_cfg: PluginConfig, c: Context) {
  const next = c.nextRelease!;
  const outDir = join(c.cwd, RELEASE_DIR);
  const manifest = readPackedRelease(outDir, next.version);
  if (!manifest) throw releaseError("ENOTPACKED", { version: next.version, dir: outDir });
  const distTag = distTagOf(next.channel);
  const r = await publishRelease(manifest, outDir, { distTag, ctx: npmCtx(c), log: (m) => c.logger.log(m) });
  return { name: `npm (${distTag}): ${manifest.packages.length} packages at ${next.version}`, url: r.registries[0] };
}

export async function addChannel(_cfg: PluginConfig, c: Context) {
  const next = c.nextRelease!;
  const distTag = distTagOf(next.channel);
  const registries = await registriesOf(manifestFor(c), npmCtx(c));
  const { ctx, cleanup } = await withToken(npmCtx(c), [...registries.values()]);
  try {
    for (const [name, registry] of registries) {
      await addDistTag(name, next.version, distTag, registry, ctx);
      c.logger.log(`npm: ${name}@${next.version} is now also ${distTag}`);
    }
  } finally {
    cleanup();
  }
  return { name: `npm (${distTag})` };
}

export async function success(cfg: PluginConfig, c: Context): Promise<void> {
  const next = c.nextRelease;
  if (!next || !(cfg.docs ?? hasDocsPublish(c.cwd))) return;
  // A docs failure must not fail a release whose packages are already out; say so loudly instead.
  try {
    await publishDocsToGhPages({
      version: next.version,
      cwd: c.cwd,
      env: c.env,
      remote: c.options.repositoryUrl,
      log: (m) => c.logger.log(m),
    });
  } catch (err) {
    (c.logger.warn ?? c.logger.log)(
      `docs for ${next.version} were NOT published: ${(err as Error).message}\nRe-run: npm run release:docs -- ${next.gitTag}`,
    );
  }
}

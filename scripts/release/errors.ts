/**
 * An error semantic-release prints as `CODE message` followed by its details
 * (it recognises the `semanticRelease` flag), instead of a stack trace.
 * Release code throws them through `releaseError(code, facts)`, so that every
 * code has one text, written in the catalogue below.
 */
export class ReleaseError extends Error {
  readonly semanticRelease = true;
  constructor(
    readonly code: string,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = "ReleaseError";
  }
}

/** What went wrong (the message) and how to fix it (the details), from the facts of one failure. */
interface Entry<Facts> {
  message(f: Facts): string;
  fix(f: Facts): string;
}

const NOTHING_TAGGED = "Nothing was tagged or published.";
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Every error the release can stop with, by code. A message names what failed
 * and where; a fix says what was left behind and what to do next.
 */
export const RELEASE_ERRORS = {
  ENOPACKAGES: {
    message: (f: { dir: string }) => `no publishable workspace packages under ${f.dir}`,
    fix: () => `${NOTHING_TAGGED} Add a package under packages/ (or run \`npm run generate\`), then re-run.`,
  },
  ENOTBUILT: {
    message: (f: { missing: string[] }) =>
      `the workspace packages are not built: ${f.missing.slice(0, 5).join(", ")}${f.missing.length > 5 ? ` and ${f.missing.length - 5} more` : ""} missing`,
    fix: () =>
      "Releases run after lint, build and tests have passed: run `npm run build` (lint, breaking check, generate, build:packages, typecheck, docs) and `npm test`, then release.",
  },
  ENOTPACKED: {
    message: (f: { version: string; dir: string }) =>
      `no complete packed set for ${f.version} in ${f.dir}; the prepare step did not run or failed`,
    fix: () => "Re-run the release; its prepare step packs the packages before publish.",
  },
  ENPMRIGHTS: {
    message: (f: { refused: { name: string; registry: string; why: string }[]; total: number }) =>
      `the npm token may not publish ${f.refused.length} of ${f.total} packages: ${f.refused.map((a) => a.name).join(", ")}`,
    fix: (f: { refused: { name: string; registry: string; why: string }[] }) =>
      [
        ...f.refused.map((a) => `${a.name} on ${a.registry}: ${a.why}`),
        "",
        `${NOTHING_TAGGED} Give the token's user publish rights to these packages (or use a token that has them), then re-run.`,
      ].join("\n"),
  },
  EPUSHCHANGELOG: {
    message: (f: { tag: string; branch: string; why: string }) =>
      `pushing the release commit for ${f.tag} to ${f.branch} was refused: ${f.why}`,
    fix: (f: { branch: string; undone: boolean; undoError: string; before: string }) =>
      [
        f.undone
          ? `The local release commit was undone; ${NOTHING_TAGGED.toLowerCase()}`
          : `Undoing the local release commit failed (${f.undoError}): run \`git reset --keep ${f.before}\` before re-running. ${NOTHING_TAGGED}`,
        `If another release run won the race, pull (git pull --ff-only) and re-run; otherwise check that the release may push to ${f.branch} (branch protection, credentials), then re-run.`,
      ].join("\n"),
  },
  EINTEGRITY: {
    message: (f: { ids: string[]; version: string; tag: string }) =>
      `${plural(f.ids.length, "package")} already in the registry at ${f.version} with different content than ${f.tag} builds: ${f.ids.join(", ")}`,
    fix: (f: { version: string; tag: string; comparisons: string[]; anyPublished: boolean }) =>
      [
        ...f.comparisons,
        "",
        f.anyPublished
          ? "Publishing stopped here; the packages listed as published above stay."
          : "Nothing was published by this run.",
        `What is in the registry at ${f.version} did not come from ${f.tag} (a manual publish, another repository with the same names, or a build that is not reproducible).`,
        "Find out where it came from. If it is wrong, remove it (npm unpublish, where the registry allows) and re-run; otherwise make a new release, so that each version means one content.",
      ].join("\n"),
  },
  ELOSTTARBALL: {
    message: (f: { id: string; registry: string; why: string; integrity: string; file: string }) =>
      `${f.id} is listed in ${f.registry} but its tarball cannot be fetched, and the registry refuses to remove the version to publish it again: ${f.why}`,
    fix: (f: { integrity: string; file: string }) =>
      `Restore the tarball in the registry's storage (its digest is ${f.integrity}, the file is ${f.file}), or ask the registry's admins to remove the broken version, then re-run.`,
  },
  ENPMCONFIG: {
    message: (f: { cwd: string; why: string }) => `npm config list failed in ${f.cwd}: ${f.why}`,
    fix: () =>
      `${NOTHING_TAGGED} Fix the npm configuration (.npmrc, NPM_CONFIG_* variables) so that \`npm config list\` works, then re-run.`,
  },
  ENPMREGISTRY: {
    message: (f: { registry: string; why: string }) => `The npm registry ${f.registry} is unreachable (${f.why}).`,
    fix: () =>
      `${NOTHING_TAGGED} Check the registry URL (publishConfig.registry, the @scope:registry or registry npm config, NPM_CONFIG_REGISTRY) and the network.`,
  },
  ENPMAUTH: {
    message: (f: { registry: string; tokenSet: boolean; why: string }) =>
      `npm whoami against ${f.registry} failed: the token is ${f.tokenSet ? "invalid or expired" : "missing"} (${f.why}).`,
    fix: (f: { registry: string }) =>
      `${NOTHING_TAGGED} Set NPM_TOKEN to a token that can publish to ${f.registry} (or configure npm auth for it), then re-run.`,
  },
  ENPMVIEW: {
    message: (f: { id: string; registry: string; why: string }) =>
      `cannot tell whether ${f.id} is in ${f.registry}: ${f.why}`,
    fix: () => "Check the registry, then re-run; a guess could publish twice or skip a package.",
  },
  ENPMPUBLISH: {
    message: (f: { id: string; registry: string; why: string; tag: string }) =>
      `npm publish of ${f.id} to ${f.registry} failed: ${f.why}`,
    fix: (f: { tag: string }) =>
      `The packages published before it stay published. Re-run the release (or \`npm run release:recover -- ${f.tag}\`) to publish only what is missing.`,
  },
  ENPMDISTTAG: {
    message: (f: { id: string; distTag: string; registry: string; why: string; tag: string }) =>
      `npm dist-tag add ${f.id} ${f.distTag} on ${f.registry} failed: ${f.why}`,
    fix: (f: { tag: string }) =>
      `The version is published; only its dist-tag is missing. Re-run \`npm run release:recover -- ${f.tag}\`, which sets it.`,
  },
  EBREAKINGSCHEMA: {
    message: (f: { count: number; lastTag: string | undefined; releaseType: string; nextVersion: string }) =>
      `The schema has ${plural(f.count, "breaking change")} since ${f.lastTag}, but the commits make this a ${f.releaseType} release (${f.nextVersion}), which must not break consumers.`,
    fix: (f: { lastTag: string | undefined; findings: string[]; scope?: string; alternatives: string[] }) =>
      [
        `Breaking changes (buf breaking against ${f.lastTag}):`,
        ...f.findings.map((line) => `  ${line}`),
        "",
        "Nothing was tagged or published. Either:",
        `- declare the break, so this becomes a major release: mark a commit with \`!\` (e.g. \`feat${f.scope ? `(${f.scope})` : ""}!: <what changed>\`)`,
        "  or add a footer to its message: `BREAKING CHANGE: <what breaks and how to migrate>`; or",
        "- make the change compatible, which `npm run breaking` then passes:",
        ...f.alternatives,
      ].join("\n"),
  },
  EBREAKINGCHECK: {
    message: (f: { lastTag: string; why: string }) =>
      `The schema safety net could not compare with ${f.lastTag}: ${f.why}`,
    fix: () => `${NOTHING_TAGGED} Fix what the message names (\`npm run breaking\` runs the same check), then re-run.`,
  },
  EBADTAG: {
    message: (f: { tag: string; problem: "format" | "missing" }) =>
      f.problem === "format"
        ? `"${f.tag}" is not a release tag: expected vX.Y.Z, e.g. v1.4.0`
        : `tag ${f.tag} is not in this clone`,
    fix: (f: { problem: "format" | "missing" }) =>
      f.problem === "format" ? "Name the tag of a release, e.g. v1.4.0." : "Fetch it first: git fetch --tags origin",
  },
  EREMOTETAG: {
    message: (f: { tag: string; where: string; why: string }) =>
      `cannot read the tags of ${f.where} to check ${f.tag}: ${f.why}`,
    fix: () => "Nothing was published. Check the remote and its credentials, then re-run.",
  },
  ELOCALTAG: {
    message: (f: { tag: string; where: string; localCommit: string; remoteCommit?: string }) =>
      f.remoteCommit
        ? `tag ${f.tag} is on ${f.localCommit.slice(0, 12)} here but on ${f.remoteCommit.slice(0, 12)} on ${f.where}; nothing was published`
        : `tag ${f.tag} exists only in this clone, not on ${f.where}: it is not a release, so nothing was published`,
    fix: (f: { tag: string; remote: string; remoteCommit?: string }) =>
      f.remoteCommit
        ? `The remote's tag is the release. Replace the local one with it: git tag -d ${f.tag} && git fetch ${f.remote} tag ${f.tag}`
        : [
            `Its push was probably rejected by an earlier run. If ${f.tag} should be released, look at why the push failed, then`,
            `delete the local tag and re-run the release, which tags again: git tag -d ${f.tag}`,
            "If the tag was made by hand, delete it the same way.",
          ].join("\n"),
  },
} satisfies Record<string, Entry<never>>;

export type ReleaseErrorCode = keyof typeof RELEASE_ERRORS;
/** The facts a function of the catalogue reads (unknown, which adds nothing, when it reads none). */
type FactsRead<F> = F extends (...args: infer P) => string
  ? P extends [infer A, ...unknown[]]
    ? A
    : unknown
  : unknown;
type FactsOf<C extends ReleaseErrorCode> = FactsRead<(typeof RELEASE_ERRORS)[C]["message"]> &
  FactsRead<(typeof RELEASE_ERRORS)[C]["fix"]>;

/** The ReleaseError for `code`, its message and fix written from `facts` by the catalogue. */
export function releaseError<C extends ReleaseErrorCode>(code: C, facts: FactsOf<C>): ReleaseError {
  const entry = RELEASE_ERRORS[code] as unknown as Entry<FactsOf<C>>;
  return new ReleaseError(code, entry.message(facts), entry.fix(facts));
}

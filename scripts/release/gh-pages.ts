// Publishes the docs of a release to the gh-pages branch: builds the site
// for the version (`npm run docs` with DOCS_VERSION set), lays it out with
// the docs versioning script (`npm run docs:publish`: <tree>/vX.Y.Z/,
// <tree>/latest/, versions.json) in a worktree of gh-pages (created as an
// orphan branch the first time), commits and pushes.
// npm run release:docs -- vX.Y.Z [--remote <url>] [--no-push]
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runIfEntryPoint } from "../lib/infra/entry.js";
import { run, runOrThrow } from "../lib/infra/exec.js";
import { BOT_IDENTITY } from "./bot-identity.js";
import { buildPackagesOnce } from "./build-stamp.js";
import { npmRunScript } from "./npm.js";
import { versionOfTag, withTagCheckout } from "./tag-checkout.js";

export const DOCS_BRANCH = "gh-pages";

export interface PublishDocsToGhPagesOptions {
  version: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Where to fetch gh-pages from and push it to: a remote name or URL (default origin). */
  remote?: string;
  push?: boolean;
  log?: (msg: string) => void;
}

/** Whether this repo has the docs versioning script; until it does, releases skip the docs. */
export function hasDocsPublish(cwd: string): boolean {
  const pj = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  return Boolean(pj.scripts?.["docs:publish"]);
}

/** Returns the gh-pages commit made, or undefined when the tree did not change. */
export async function publishDocsToGhPages(opts: PublishDocsToGhPagesOptions): Promise<string | undefined> {
  const { cwd, version } = opts;
  // CI runners have no git identity; an explicit one in the environment wins.
  const env = { ...BOT_IDENTITY, ...(opts.env ?? process.env), DOCS_VERSION: version };
  const log = opts.log ?? ((m: string) => console.log(m));
  const remote = opts.remote ?? "origin";
  const git = (args: string[], dir = cwd) => runOrThrow("git", args, { cwd: dir, env });

  await npmRunScript("docs", [], { cwd, env });
  const site = join(cwd, "build", "docs");
  if (!existsSync(site)) throw new Error(`npm run docs did not produce ${site}`);

  const tree = mkdtempSync(join(tmpdir(), "gh-pages-"));
  const orphan = `docs-publish-${process.pid}`;
  rmSync(tree, { recursive: true });
  try {
    const fetched = await run(
      "git",
      ["fetch", "--quiet", remote, `+refs/heads/${DOCS_BRANCH}:refs/remotes/docs-publish/${DOCS_BRANCH}`],
      { cwd, env },
    );
    if (fetched.code === 0) {
      await git(["worktree", "add", "--quiet", "--detach", tree, `refs/remotes/docs-publish/${DOCS_BRANCH}`]);
    } else {
      log(`docs: no ${DOCS_BRANCH} branch on ${remote} yet; starting it as an orphan branch`);
      await git(["worktree", "add", "--quiet", "--detach", tree]);
      await git(["checkout", "--quiet", "--orphan", orphan], tree);
      await git(["rm", "-rf", "--quiet", "."], tree);
    }
    await npmRunScript("docs:publish", ["--site", site, "--version", version, "--tree", tree], { cwd, env });
    await git(["add", "-A"], tree);
    if ((await run("git", ["diff", "--cached", "--quiet"], { cwd: tree, env })).code === 0) {
      log(`docs: ${DOCS_BRANCH} already has the docs of ${version}`);
      return undefined;
    }
    await git(["commit", "--quiet", "-m", `docs: v${version} [skip ci]`], tree);
    const sha = (await git(["rev-parse", "HEAD"], tree)).stdout.trim();
    if (opts.push !== false) await git(["push", "--quiet", remote, `HEAD:refs/heads/${DOCS_BRANCH}`], tree);
    log(`docs: published v${version} to ${DOCS_BRANCH} (${sha.slice(0, 7)})`);
    return sha;
  } finally {
    await run("git", ["worktree", "remove", "--force", tree], { cwd, env });
    rmSync(tree, { recursive: true, force: true });
    await run("git", ["update-ref", "-d", `refs/remotes/docs-publish/${DOCS_BRANCH}`], { cwd, env });
    await run("git", ["branch", "-D", orphan], { cwd, env });
  }
}

/**
 * publishDocsToGhPages for a release whose packages are already out: a docs
 * failure must not fail it, so it is reported through `warn`, with the command
 * that retries it, instead of thrown.
 */
export async function publishReleaseDocs(
  opts: PublishDocsToGhPagesOptions & { tag: string; warn: (msg: string) => void },
): Promise<void> {
  const { tag, warn, ...publish } = opts;
  try {
    await publishDocsToGhPages(publish);
  } catch (err) {
    warn(
      `docs for ${opts.version} were NOT published: ${(err as Error).message}\nRe-run: npm run release:docs -- ${tag}`,
    );
  }
}

/** npm run release:docs: the docs of a tag, built from the tag's sources (a worktree unless HEAD is the tag). */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { remote: { type: "string" }, "no-push": { type: "boolean", default: false } },
  });
  if (positionals.length !== 1)
    throw new Error("usage: npm run release:docs -- vX.Y.Z [--remote <name|url>] [--no-push]");
  const tag = positionals[0];
  const version = versionOfTag(tag);
  const cwd = process.cwd();
  await withTagCheckout(tag, cwd, console.log, async (dir) => {
    // The docs plugin runs from its build; a fresh worktree has none.
    await buildPackagesOnce(dir, process.env);
    await publishDocsToGhPages({ version, cwd: dir, remote: values.remote ?? "origin", push: !values["no-push"] });
  });
  return 0;
}

runIfEntryPoint(import.meta.url, "release:docs", main);

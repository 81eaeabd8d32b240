// Skips rebuilding the packages in a release when this checkout already
// built them from the same inputs: the stamp is the git tree of everything
// the build reads, recorded after a successful build. A dirty input tree
// never matches, so a local edit always rebuilds.
import { existsSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { run, runOrThrow } from "../lib/infra/exec.js";
import { writeFileAtomic } from "../lib/infra/fs-atomic.js";
import { npmRunScript } from "./npm.js";

const INPUTS = ["gen", "packages", "scripts", "package.json", "package-lock.json", "tsconfig.base.json"];
const STAMP = join("build", "release-build.stamp");

/**
 * A hash of the committed build inputs at `ref` (default HEAD); for HEAD,
 * undefined when any of them has uncommitted changes.
 */
export async function buildInputsHash(cwd: string, ref = "HEAD"): Promise<string | undefined> {
  if (ref === "HEAD") {
    const dirty = await run("git", ["status", "--porcelain", "--", ...INPUTS], { cwd });
    if (dirty.code !== 0 || dirty.stdout.trim()) return undefined;
  }
  const tree = await runOrThrow("git", ["ls-tree", "-r", ref, "--", ...INPUTS], { cwd });
  return createHash("sha256").update(tree.stdout).digest("hex");
}

/** Builds the packages unless the last build here was from the same inputs. Returns whether it built. */
export async function buildPackagesOnce(cwd: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const hash = await buildInputsHash(cwd);
  const stamp = join(cwd, STAMP);
  if (hash && existsSync(stamp) && readFileSync(stamp, "utf8") === hash) return false;
  await npmRunScript("build:packages", [], { cwd, env });
  if (hash) writeFileAtomic(stamp, hash);
  return true;
}

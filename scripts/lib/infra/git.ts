import { run } from "./exec.js";
import { repoRoot } from "./repo.js";

async function git(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const r = await run("git", args, { cwd });
  return { code: r.code, out: r.stdout.trim() };
}

/** Whether `ref` names a commit in this clone. */
export async function refExists(ref: string, cwd = repoRoot): Promise<boolean> {
  return (await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd)).code === 0;
}

export async function resolveCommit(ref: string, cwd = repoRoot): Promise<string> {
  const r = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd);
  if (r.code !== 0) throw new Error(`git ref ${ref} not found`);
  return r.out;
}

export async function isShallow(cwd = repoRoot): Promise<boolean> {
  return (await git(["rev-parse", "--is-shallow-repository"], cwd)).out === "true";
}

/** The newest vX.Y.Z tag reachable from HEAD, by version order; undefined when there is none. */
export async function latestReleaseTag(cwd = repoRoot, from = "HEAD"): Promise<string | undefined> {
  const r = await git(["tag", "--merged", from, "--list", "v*", "--sort=-v:refname"], cwd);
  if (r.code !== 0) return undefined;
  return r.out.split("\n").find((t) => /^v\d+\.\d+\.\d+(-[\w.]+)?$/.test(t));
}

/** Text of a file at a ref, or undefined when the ref or the file is missing. */
export async function showFile(ref: string, path: string, cwd = repoRoot): Promise<string | undefined> {
  const r = await run("git", ["show", `${ref}:${path}`], { cwd });
  return r.code === 0 ? r.stdout : undefined;
}

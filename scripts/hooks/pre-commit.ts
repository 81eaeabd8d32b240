// The pre-commit hook (.husky/pre-commit): buf format and buf lint over the
// staged .proto files only. It checks the staged content, not the working
// tree, so what passes is exactly what gets committed: the index's proto/
// tree is copied to a temp dir (imports need the whole module) and buf runs
// there, with findings reported under their repo paths.
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, run, runOrThrow } from "../lib/infra/exec.js";
import { DEPS_DIR, ensureProtoDeps } from "../lib/codegen/proto-deps.js";
import { repoRoot } from "../lib/infra/repo.js";

/** The buf module root: buf.yaml's only module path. */
const MODULE_DIR = "proto/";

export interface PreCommitResult {
  files: string[];
  unformatted: string[];
  lintOutput: string;
  ok: boolean;
}

async function git(args: string[], cwd: string): Promise<string> {
  return (await runOrThrow("git", args, { cwd })).stdout;
}

/** Staged (added, copied, modified, renamed) .proto files under proto/, repo-relative. */
export async function stagedProtoFiles(cwd: string): Promise<string[]> {
  const out = await git(
    ["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR", "--", `${MODULE_DIR}*.proto`],
    cwd,
  );
  return out.split("\0").filter((f) => f.endsWith(".proto") && f.startsWith(MODULE_DIR));
}

export async function checkStagedProtos(cwd: string, toolsRoot = repoRoot): Promise<PreCommitResult> {
  const files = await stagedProtoFiles(cwd);
  if (files.length === 0) return { files, unformatted: [], lintOutput: "", ok: true };
  const snapshot = mkdtempSync(join(tmpdir(), "pre-commit-"));
  try {
    const tracked = (await git(["ls-files", "-z", "--cached", "--", MODULE_DIR, "buf.yaml", "buf.lock"], cwd))
      .split("\0")
      .filter(Boolean);
    await runOrThrow("git", ["checkout-index", `--prefix=${snapshot}/`, "--", ...tracked], { cwd });
    // The third-party modules buf.yaml names are gitignored, so not in the index: copy them beside it.
    await ensureProtoDeps(cwd);
    if (existsSync(join(cwd, DEPS_DIR))) cpSync(join(cwd, DEPS_DIR), join(snapshot, DEPS_DIR), { recursive: true });
    const buf = bin("buf", toolsRoot);
    const [fmt, lint] = await Promise.all([
      run(buf, ["format", "--diff", "--exit-code", ...files.flatMap((f) => ["--path", f])], { cwd: snapshot }),
      run(buf, ["lint", "--error-format", "text", ...files.flatMap((f) => ["--path", f])], { cwd: snapshot }),
    ]);
    const unformatted = fmt.code === 100 ? files.filter((f) => fmt.stdout.includes(`+++ ${f}`)) : [];
    if (fmt.code === 100 && unformatted.length === 0) unformatted.push(...files);
    // A file buf cannot parse fails format with exit 1; lint reports the same error, so show lint's.
    const problems = [
      lint.code === 0 ? "" : lint.stdout + lint.stderr,
      fmt.code === 0 || fmt.code === 100 || lint.code !== 0 ? "" : fmt.stderr,
    ];
    const lintOutput = problems.join("").trim();
    return { files, unformatted, lintOutput, ok: unformatted.length === 0 && lintOutput === "" };
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const cwd = process.cwd();
  const r = await checkStagedProtos(cwd);
  if (r.ok) return 0;
  if (r.lintOutput) console.error(`buf lint (staged .proto files):\n${r.lintOutput}\n`);
  for (const f of r.unformatted)
    console.error(`${f}: not formatted (buf format); fix with: npx buf format -w ${f} && git add ${f}`);
  console.error(
    "\npre-commit: commit refused; fix the staged .proto files above (or bypass with git commit --no-verify).",
  );
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`pre-commit: ${err.message}`);
      process.exit(2);
    },
  );
}

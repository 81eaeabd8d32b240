// The pre-commit hook (.husky/pre-commit): buf format and buf lint over the
// staged .proto files, and Biome (format and lint) over the staged TypeScript
// and JavaScript. It checks the staged content, not the working tree, so what
// passes is exactly what gets committed: the index's files are copied to a
// temp dir (for buf the whole proto/ tree, as imports need the module; for
// Biome the staged files and biome.jsonc) and the tools run there, with
// findings reported under their repo paths.
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIOME_EXTENSIONS, biomeFindings, runBiome } from "../lib/infra/biome.js";
import { runIfEntryPoint } from "../lib/infra/entry.js";
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

export interface StagedCodeResult {
  files: string[];
  /** Biome's report of its findings; empty when there are none. */
  output: string;
  ok: boolean;
}

/** Staged (added, copied, modified, renamed) files Biome checks, by extension, repo-relative. */
export async function stagedCodeFiles(cwd: string): Promise<string[]> {
  const out = await git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"], cwd);
  return out.split("\0").filter((f) => BIOME_EXTENSIONS.some((ext) => f.endsWith(ext)));
}

/** Biome's format and lint checks over the staged TypeScript/JavaScript, as staged, with the staged biome.jsonc. */
export async function checkStagedCode(cwd: string, toolsRoot = repoRoot): Promise<StagedCodeResult> {
  const files = await stagedCodeFiles(cwd);
  if (files.length === 0) return { files, output: "", ok: true };
  const snapshot = mkdtempSync(join(tmpdir(), "pre-commit-biome-"));
  try {
    const config = (await git(["ls-files", "-z", "--cached", "--", "biome.json", "biome.jsonc"], cwd))
      .split("\0")
      .filter(Boolean);
    // Paths on stdin: a large commit's file list could outgrow the command line.
    await runOrThrow("git", ["checkout-index", "-z", "--stdin", `--prefix=${snapshot}/`], {
      cwd,
      input: [...config, ...files].join("\0"),
    });
    // The snapshot is no git repository: the files are the staged ones, so no ignore file applies.
    // Files that biome.jsonc excludes (gen/, fixtures) are left alone, as in npm run lint.
    const r = await runBiome(["check", "--vcs-enabled=false", "--no-errors-on-unmatched", "."], {
      cwd: snapshot,
      toolsRoot,
    });
    const findings = biomeFindings(r);
    return { files, output: findings === 0 ? "" : (r.stdout + r.stderr).trim(), ok: findings === 0 };
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const cwd = process.cwd();
  const [protos, code] = await Promise.all([checkStagedProtos(cwd), checkStagedCode(cwd)]);
  if (protos.ok && code.ok) return 0;
  if (protos.lintOutput) console.error(`buf lint (staged .proto files):\n${protos.lintOutput}\n`);
  for (const f of protos.unformatted)
    console.error(`${f}: not formatted (buf format); fix with: npx buf format -w ${f} && git add ${f}`);
  if (!code.ok) {
    console.error(`Biome (staged TypeScript/JavaScript):\n${code.output}\n`);
    console.error(
      "Biome found problems in the staged files above; formatting and the safe lint fixes: " +
        `npx biome check --write ${code.files.join(" ")} && git add ${code.files.join(" ")}`,
    );
  }
  console.error("\npre-commit: commit refused; fix the staged files above (or bypass with git commit --no-verify).");
  return 1;
}

runIfEntryPoint(import.meta.url, "pre-commit", main);

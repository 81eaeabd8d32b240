// npm run pr:summary [-- --base <ref>] [--output <file>]
// Markdown summary of the schema change from <base> to the working tree
// (labelled HEAD when it has no uncommitted proto changes):
// packages touched; services, methods, messages, fields and enum values
// added, removed or deprecated; the breaking findings; the implied version
// bump. Compares compiled descriptor sets (buf build), not .proto text.
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { breakingApproval } from "./lib/schema/breaking-approval.js";
import { breakingFindings, pickAgainst } from "./lib/schema/breaking.js";
import { runOrThrow } from "./lib/infra/exec.js";
import { writeFileAtomic } from "./lib/infra/fs-atomic.js";
import { resolveCommit } from "./lib/infra/git.js";
import { renderSummary } from "./lib/schema/pr-summary.js";
import { readRepoConfig, repoRoot } from "./lib/infra/repo.js";
import { diffSchemas } from "./lib/schema/schema-diff.js";
import { buildSchemaImage } from "./lib/schema/schema-image.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

/** Whether what buf compiles (proto/ and its config) differs from HEAD in the working tree. */
async function schemaUncommitted(root: string): Promise<boolean> {
  const r = await runOrThrow(
    "git",
    ["status", "--porcelain", "--untracked-files=all", "--", "proto", "buf.yaml", "buf.lock"],
    { cwd: root },
  );
  return r.stdout.trim() !== "";
}

export async function prSummary(baseRef: string, root = repoRoot): Promise<string> {
  const [baseImage, headImage, findings] = await Promise.all([
    buildSchemaImage(baseRef, root),
    buildSchemaImage(undefined, root),
    breakingFindings(baseRef, root),
  ]);
  return renderSummary({
    base: { ref: baseRef, sha: await resolveCommit(baseRef, root) },
    head: { ref: "HEAD", sha: await resolveCommit("HEAD", root), uncommitted: await schemaUncommitted(root) },
    diff: diffSchemas(baseImage, headImage),
    findings,
    approval: breakingApproval(false),
    config: readRepoConfig(root),
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { base: { type: "string" }, output: { type: "string" } } });
  const base = (await pickAgainst(values.base)).ref;
  const markdown = await prSummary(base);
  if (values.output) writeFileAtomic(resolve(process.env.INIT_CWD ?? process.cwd(), values.output), markdown);
  else process.stdout.write(markdown);
  // In GitHub Actions the job's summary page shows it too, also for fork PRs, which get no comment.
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
  return 0;
}

runIfEntryPoint(import.meta.url, "pr:summary", main);

// npm run commitlint:title [-- --title "<title>"]
// Lints a pull request title as a conventional commit. We squash-merge, so the
// PR title becomes the commit message on main that semantic-release reads.
// Without --title it reads the title from the GitHub event payload
// (GITHUB_EVENT_PATH), never from text interpolated into a shell command.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runIfEntryPoint } from "./lib/infra/entry.js";
import { bin, run } from "./lib/infra/exec.js";
import { repoRoot } from "./lib/infra/repo.js";

const CONFIG_FILES = [
  "commitlint.config.js",
  "commitlint.config.cjs",
  "commitlint.config.mjs",
  "commitlint.config.ts",
  ".commitlintrc",
  ".commitlintrc.json",
  ".commitlintrc.yaml",
  ".commitlintrc.yml",
  ".commitlintrc.js",
  ".commitlintrc.cjs",
];

function titleFromEvent(): string {
  const path = process.env.GITHUB_EVENT_PATH;
  if (!path)
    throw new Error(
      'pass --title "<title>" (or run in GitHub Actions, where GITHUB_EVENT_PATH names the pull_request event)',
    );
  const event = JSON.parse(readFileSync(path, "utf8")) as { pull_request?: { title?: string } };
  const title = event.pull_request?.title;
  if (typeof title !== "string")
    throw new Error(`${path} is not a pull_request event payload: it has no pull_request.title`);
  return title;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { title: { type: "string" } } });
  const title = values.title ?? titleFromEvent();
  // The repo's own commitlint config when there is one, else the conventional preset.
  const hasConfig = CONFIG_FILES.some((f) => existsSync(join(repoRoot, f)));
  const args = hasConfig ? [] : ["--extends", "@commitlint/config-conventional"];
  const r = await run(bin("commitlint"), args, { input: `${title}\n`, echo: true });
  if (r.code !== 0) {
    console.error(
      `commitlint:title: the PR title ${JSON.stringify(title)} is not a conventional commit.\n` +
        "We squash-merge, so the title becomes the commit on main; write it as `type(scope): summary`, e.g. `feat(payments): add refunds`.",
    );
    return 1;
  }
  console.log(`commitlint:title: ${JSON.stringify(title)} is a conventional commit`);
  return 0;
}

runIfEntryPoint(import.meta.url, "commitlint:title", main);

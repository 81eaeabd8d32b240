// semantic-release: conventional commits decide the version, the tag is
// vX.Y.Z, and every workspace package is published at that version by the
// repo's own plugin (scripts/release/plugin-steps.ts). See README "Releases".
import { execFileSync } from "node:child_process";
import { parserOpts } from "./scripts/release/commit-header.mjs";

/** The remote semantic-release will use when no --repository-url is given. */
function originUrl() {
  try {
    return execFileSync("git", ["remote", "get-url", "origin"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "";
  }
}

const cliUrl = process.argv.find((_, i, all) => ["--repository-url", "-r"].includes(all[i - 1]));
const onGitHub = /github\.com[/:]/.test(cliUrl ?? originUrl());
const githubToken = process.env.GITHUB_TOKEN || process.env.GH_TOKEN;

/** Sections of the release notes and CHANGELOG, in order; commits inside a section are sorted by scope. */
const types = [
  { type: "feat", section: "Features" },
  { type: "fix", section: "Bug Fixes" },
  { type: "perf", section: "Performance" },
  { type: "revert", section: "Reverts" },
  { type: "docs", section: "Documentation", hidden: true },
  { type: "build", section: "Build", hidden: true },
  { type: "ci", section: "CI", hidden: true },
  { type: "refactor", section: "Refactoring", hidden: true },
  { type: "test", section: "Tests", hidden: true },
  { type: "style", section: "Style", hidden: true },
  { type: "chore", section: "Chores", hidden: true },
];

export default {
  branches: [
    // Maintenance lines (1.x, 1.2.x): dist-tag release-1.x, never latest ("1.x" itself is a semver range npm rejects as a tag).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release fills in ${name} (a lodash template).
    { name: "+([0-9])?(.{+([0-9]),x}).x", channel: "release-${name}" },
    "main",
    { name: "next", prerelease: true },
  ],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release fills in ${version} (a lodash template).
  tagFormat: "v${version}",
  plugins: [
    ["@semantic-release/commit-analyzer", { preset: "conventionalcommits", presetConfig: { types }, parserOpts }],
    [
      "@semantic-release/release-notes-generator",
      {
        preset: "conventionalcommits",
        presetConfig: { types },
        parserOpts,
        linkCompare: onGitHub,
        linkReferences: onGitHub,
        writerOpts: { commitsSort: ["scope", "subject"] },
      },
    ],
    ["@semantic-release/changelog", { changelogFile: "CHANGELOG.md", changelogTitle: "# Changelog" }],
    "./scripts/release/plugin.mjs",
    // Attaches every package's .tgz to the GitHub release (`npm install <asset-url>` needs no registry), and
    // @acme/schemas' descriptor set as acme-schemas-X.Y.Z.binpb (the bytes in its tarball; scripts/release/pack.ts).
    // Without a token there is no GitHub step at all, rather than one that fails.
    ...(githubToken
      ? [
          [
            "@semantic-release/github",
            {
              assets: [
                { path: "build/release/*.tgz" },
                {
                  path: "build/release/*.binpb",
                  // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release fills in ${nextRelease.version} (a lodash template).
                  label: "FileDescriptorSet of every .proto in v${nextRelease.version}, with imports and source info",
                },
              ],
            },
          ],
        ]
      : []),
  ],
};

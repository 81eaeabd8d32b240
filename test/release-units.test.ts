// The release pieces that need no registry: what gets published, dist-tags,
// the semantic-release config with and without a GitHub token, the CHANGELOG
// de-duplication, content comparison and the dry-run wording of npm run release.
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { publishedPackageJson } from "../scripts/release/pack.js";
import { defaultDistTag, distTagOf } from "../scripts/release/dist-tags.js";
import { versionOfTag } from "../scripts/release/tag-checkout.js";
import { dedupeChangelog } from "../scripts/release/changelog.js";
import { ReleaseError } from "../scripts/release/errors.js";
import {
  nerfDart,
  normalizeRegistry,
  publishTarball,
  sameContent,
  whoami,
  withToken,
} from "../scripts/release/registry.js";
import { dryRunBanner, rewriteLine } from "../scripts/release/run.js";

test("the published package.json carries the release version and pins workspace dependencies to it", () => {
  const pj = {
    name: "@acme/httpgrpc",
    version: "0.0.0-development",
    entryPoints: { ".": "../../gen/httpgrpc/index.ts" },
    dependencies: { "@acme/grpc-health": "0.0.0-development", "@grpc/grpc-js": "1.14.7" },
    peerDependencies: { "@bufbuild/protobuf": "^2.13.0", "@acme/monitoring": "0.0.0-development" },
  };
  const out = publishedPackageJson(pj, "1.4.0", new Set(["@acme/grpc-health", "@acme/monitoring", "@acme/httpgrpc"]));
  assert.equal(out.version, "1.4.0");
  assert.deepEqual(out.dependencies, { "@acme/grpc-health": "1.4.0", "@grpc/grpc-js": "1.14.7" });
  assert.deepEqual(out.peerDependencies, { "@bufbuild/protobuf": "^2.13.0", "@acme/monitoring": "1.4.0" });
  assert.equal(out.entryPoints, undefined);
  assert.equal(pj.version, "0.0.0-development", "the input is not modified");
  // The build's own marker for @acme/schemas (scripts/lib/codegen/package-schemas.ts) is not published either.
  const schemas = publishedPackageJson(
    { name: "@acme/schemas", version: "0.0.0-development", schemaArtifacts: true },
    "1.4.0",
    new Set(),
  );
  assert.equal(schemas.schemaArtifacts, undefined);
});

test("dist-tags: channels map to tags; recovery never moves latest backwards", () => {
  assert.equal(distTagOf(null), "latest");
  assert.equal(distTagOf(undefined), "latest");
  assert.equal(distTagOf("next"), "next");
  assert.equal(defaultDistTag("2.0.0-next.3", "1.4.0"), "next");
  assert.equal(defaultDistTag("1.3.2", "2.0.0"), "release-1.x");
  assert.equal(defaultDistTag("2.0.1", "2.0.0"), "latest");
  assert.equal(defaultDistTag("1.0.0", undefined), "latest");
});

test("release tags must be vX.Y.Z", () => {
  assert.equal(versionOfTag("v1.4.0"), "1.4.0");
  assert.equal(versionOfTag("v2.0.0-next.1"), "2.0.0-next.1");
  assert.throws(() => versionOfTag("1.4.0"), /"1\.4\.0" is not a release tag: expected vX\.Y\.Z/);
  assert.throws(() => versionOfTag("vnext"), /not a release tag/);
});

test("registry credentials are keyed by the registry's host and path", () => {
  assert.equal(normalizeRegistry("http://127.0.0.1:4873"), "http://127.0.0.1:4873/");
  assert.equal(nerfDart("http://127.0.0.1:4873/"), "//127.0.0.1:4873/");
  assert.equal(nerfDart("https://npm.pkg.github.com/acme"), "//npm.pkg.github.com/acme/");
});

interface ReleaseConfig {
  branches: (string | { name: string; channel?: string; prerelease?: boolean })[];
  tagFormat: string;
  plugins: (string | [string, Record<string, unknown>])[];
}

async function loadConfig(env: Record<string, string | undefined>): Promise<ReleaseConfig> {
  const saved = { GITHUB_TOKEN: process.env.GITHUB_TOKEN, GH_TOKEN: process.env.GH_TOKEN };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    const url = `${pathToFileURL(join(repoRoot, "release.config.mjs")).href}?${Math.random()}`;
    return ((await import(url)) as { default: ReleaseConfig }).default;
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

const pluginNames = (c: ReleaseConfig) => c.plugins.map((p) => (typeof p === "string" ? p : p[0]));

test("semantic-release config: branches, tag format, and the plugin chain without a GitHub token", async () => {
  const c = await loadConfig({ GITHUB_TOKEN: undefined, GH_TOKEN: undefined });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release's template, compared literally.
  assert.equal(c.tagFormat, "v${version}");
  assert.ok(c.branches.includes("main"));
  assert.deepEqual(
    c.branches.find((b) => typeof b === "object" && b.name === "next"),
    { name: "next", prerelease: true },
  );
  assert.ok(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: semantic-release's template, compared literally.
    c.branches.some((b) => typeof b === "object" && b.name.endsWith(".x") && b.channel === "release-${name}"),
  );
  assert.deepEqual(pluginNames(c), [
    "@semantic-release/commit-analyzer",
    "@semantic-release/release-notes-generator",
    "@semantic-release/changelog",
    "./scripts/release/plugin.mjs",
  ]);
});

test("semantic-release config: with a GitHub token the release gets every packed .tgz and the descriptor set as assets", async () => {
  for (const env of [{ GITHUB_TOKEN: "t" }, { GH_TOKEN: "t" }]) {
    const c = await loadConfig(env);
    const gh = c.plugins.find((p) => Array.isArray(p) && p[0] === "@semantic-release/github") as
      | [string, { assets: { path: string }[] }]
      | undefined;
    assert.ok(gh, `github plugin present with ${Object.keys(env)[0]}`);
    assert.deepEqual(
      gh[1].assets.map((a) => a.path),
      ["build/release/*.tgz", "build/release/*.binpb"],
    );
  }
});

test("CHANGELOG.md: a re-run's section for the same version replaces the older one; other versions stay", () => {
  const text = [
    "# Changelog",
    "",
    "## [1.1.0](file:///x/compare/v1.0.0...v1.1.0) (2026-11-30)",
    "",
    "### Features",
    "",
    "* **greeter:** most languages (second run)",
    "",
    "## [1.1.0](file:///x/compare/v1.0.0...v1.1.0) (2026-11-29)",
    "",
    "### Features",
    "",
    "* **greeter:** most languages (first run)",
    "",
    "## 1.0.0 (2026-11-28)",
    "",
    "* first",
    "",
  ].join("\n");
  const out = dedupeChangelog(text);
  assert.equal((out.match(/^## \[?1\.1\.0/gm) ?? []).length, 1);
  assert.match(out, /second run/);
  assert.doesNotMatch(out, /first run/);
  assert.match(out, /## 1\.0\.0 \(2026-11-28\)\n\n\* first/);
  assert.equal(dedupeChangelog(out), out, "idempotent");
  const prerelease = "# Changelog\n\n## 2.0.0-next.2 (x)\n\n* b\n\n## 2.0.0-next.1 (x)\n\n* a\n";
  assert.equal(dedupeChangelog(prerelease), prerelease, "different prereleases are different versions");
});

test("content comparison prefers sha512 integrity and falls back to the sha1 shasum", () => {
  const local = { integrity: "sha512-AAA", shasum: "abc" };
  assert.equal(sameContent({ integrity: "sha512-AAA", shasum: "zzz" }, local), true);
  assert.equal(
    sameContent({ integrity: "sha512-BBB", shasum: "abc" }, local),
    false,
    "a matching sha1 does not excuse a different sha512",
  );
  assert.equal(sameContent({ shasum: "abc" }, local), true);
  assert.equal(sameContent({ shasum: "abd" }, local), false);
});

test("npm run release: a dry run never says Published, and says how to release for real", () => {
  assert.equal(
    rewriteLine("[semantic-release] › ✔  Published release 1.0.0 on default channel", true),
    "[semantic-release] › ✔  DRY RUN: release 1.0.0 was NOT published (nothing was tagged, pushed or published)",
  );
  assert.equal(
    rewriteLine("Published release 1.0.0 on default channel", false),
    "Published release 1.0.0 on default channel",
  );
  assert.match(
    dryRunBanner("start"),
    /DRY RUN: nothing will be tagged, pushed or published\.[\s\S]*npm run release -- --no-ci/,
  );
  assert.match(dryRunBanner("end"), /DRY RUN: nothing was tagged, pushed or published\./);
});

test("a registry that is down: the messages say so in words and name the real tag", async () => {
  // A port nothing listens on: bound, read, closed.
  const { createServer } = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const registry = `http://127.0.0.1:${port}/`;
  const authed = await withToken(
    { cwd: repoRoot, env: { ...process.env, NPM_TOKEN: "x", npm_config_fetch_retries: "0" } },
    [registry],
  );
  after(authed.cleanup);
  const ctx = authed.ctx;
  const down = await whoami(registry, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(down instanceof ReleaseError, String(down));
  assert.equal(down.code, "ENPMREGISTRY");
  assert.equal(
    down.message,
    `The npm registry ${registry} is unreachable (connection refused: nothing listens there).`,
  );
  const tgz = join(repoRoot, "package.json"); // never read: the connection fails first
  const pub = await publishTarball(
    "@acme/x",
    tgz,
    "1.2.3",
    { registry, distTag: "latest", provenance: false },
    ctx,
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(pub instanceof ReleaseError, String(pub));
  assert.doesNotMatch(`${pub.message}\n${pub.details}`, /syscall|<tag>/);
  assert.match(pub.details ?? "", /npm run release:recover -- v1\.2\.3/);
});

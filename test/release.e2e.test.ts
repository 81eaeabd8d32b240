// The release, end to end, for real: a throwaway copy of this repo with a
// bare origin, verdaccio as the registry, semantic-release run as CI would
// run it, and a consumer project installing what came out. Faults are real
// too: origin hooks that reject a push, a registry ACL that refuses one
// package, a foreign tarball, a tarball lost from the registry's storage.
//
// Cheap on purpose: one registry and one copy for the whole file, trimmed to
// the packages the scenarios need (two generated families, the docs plugin,
// and a hand-written package that depends on a generated one), built once
// with `npm run build:packages`; every later release reuses that build (or
// the packed set a release archived) unless its sources changed.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { listTree } from "../scripts/lib/codegen/codegen.js";
import { bin, run, type RunResult } from "../scripts/lib/infra/exec.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { listWorkspacePackages } from "../scripts/lib/infra/workspaces.js";
import { buildPackagesOnce } from "../scripts/release/build-stamp.js";
import { tarballFetchable } from "../scripts/release/registry.js";
import { cleanEnv, makeReleaseRepo, type ReleaseRepo } from "./support/release-repo.js";
import { startVerdaccio, type TestRegistry } from "./support/verdaccio.js";

let registry: TestRegistry;
let repo: ReleaseRepo;
let releaserToken: string;
/** May publish the first package only. */
let limitedToken: string;
let packageNames: string[];

/** What the scenarios need: greeter (the consumer's service) and payments (a second family), the docs plugin, the protos. */
const KEEP_PROTO = ["proto/acme/greeter", "proto/acme/payments"];
const KEEP_PACKAGES = ["packages/greeter", "packages/payments", "packages/protoc-gen-doc", "packages/schemas"];
/** A hand-written package depending on a generated one: its published dependency must be pinned to the release. */
const KIT = {
  name: "@acme/greeter-kit",
  dir: "packages/greeter-kit",
  packageJson: {
    name: "@acme/greeter-kit",
    version: "0.0.0-development",
    description: "Test fixture: re-exports the greeter service.",
    license: "Apache-2.0",
    type: "module",
    entryPoints: { ".": "./src/index.ts" },
    exports: {
      ".": {
        import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
        require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
      },
      "./package.json": "./package.json",
    },
    main: "./dist/index.cjs",
    types: "./dist/index.d.cts",
    files: ["dist"],
    dependencies: { "@acme/greeter": "0.0.0-development" },
    peerDependencies: { "@bufbuild/protobuf": "^2.13.0" },
  },
};

function trimRepo(r: ReleaseRepo) {
  const drop = (dir: string, keep: string[]) =>
    r
      .git("ls-files", dir)
      .split("\n")
      .filter(Boolean)
      .map((f) =>
        f
          .split("/")
          .slice(0, dir.split("/").length + 1)
          .join("/"),
      )
      .filter((d, i, all) => all.indexOf(d) === i && !keep.some((k) => d === k || k.startsWith(`${d}/`)));
  const protoDirs = [...drop("proto", KEEP_PROTO), ...drop("proto/acme", KEEP_PROTO)];
  // The generated code of a dropped proto dir goes too; third-party code (gen/google) stays.
  const genDirs = protoDirs.map((d) => d.replace(/^proto\//, "gen/")).filter((d) => existsSync(join(r.dir, d)));
  for (const d of [...protoDirs, ...genDirs, ...drop("packages", KEEP_PACKAGES)]) {
    r.git("rm", "-rq", d);
    rmSync(join(r.dir, d), { recursive: true, force: true });
  }
  r.write(`${KIT.dir}/package.json`, `${JSON.stringify(KIT.packageJson, null, 2)}\n`);
  r.write(`${KIT.dir}/src/index.ts`, 'export { GreeterService, SayHelloRequestSchema } from "@acme/greeter/v1";\n');
  r.commit("build: only the packages the release test needs");
}

before(async () => {
  repo = makeReleaseRepo();
  trimRepo(repo);
  packageNames = listWorkspacePackages(repo.dir).map((p) => p.name);
  assert.deepEqual([...packageNames].sort(), [
    "@acme/greeter",
    "@acme/greeter-kit",
    "@acme/payments",
    "@acme/protoc-gen-doc",
    "@acme/schemas",
  ]);
  // Packages are published in dependency order; "limited" may publish only the first.
  registry = await startVerdaccio({
    [packageNames[0]]: { access: "$all", publish: "releaser limited" },
    "@acme/*": { access: "$all", publish: "releaser" },
  });
  releaserToken = await registry.addUser("releaser", "releaser-password-1");
  limitedToken = await registry.addUser("limited", "limited-password-1");
  // The release workflow builds (and tests) before semantic-release. Once, here; the stamp lets releases reuse it.
  assert.equal(await buildPackagesOnce(repo.dir, cleanEnv()), true);
});

after(async () => {
  await registry?.close();
  repo?.cleanup();
});

const releaseEnv = (token: string) => cleanEnv({ NPM_TOKEN: token, NPM_CONFIG_REGISTRY: registry.url });
const semanticRelease = () => [
  join(repo.dir, "node_modules", "semantic-release", "bin", "semantic-release.js"),
  "--no-ci",
];

async function release(token: string): Promise<RunResult> {
  const r = await run(process.execPath, semanticRelease(), { cwd: repo.dir, env: releaseEnv(token) });
  if (process.env.RELEASE_E2E_TRACE) process.stderr.write(`semantic-release: exit ${r.code}\n${r.stdout}${r.stderr}\n`);
  return { ...r, stdout: r.stdout + r.stderr };
}

/** semantic-release, killed (with its npm children) as soon as it has published one package. */
async function releaseKilledAfterFirstPublish(token: string): Promise<string> {
  const child = spawn(process.execPath, semanticRelease(), {
    cwd: repo.dir,
    env: releaseEnv(token),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let killed = false;
  const onData = (b: Buffer) => {
    out += b.toString();
    if (!killed && /npm: published \S+ to /.test(out)) {
      killed = true;
      process.kill(-child.pid!, "SIGKILL");
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  await new Promise<void>((resolve) => child.on("close", () => resolve()));
  assert.ok(killed, `semantic-release ended before publishing anything:\n${out}`);
  return out;
}

async function packument(
  name: string,
  reg = registry.url,
): Promise<{ versions?: Record<string, { dist: { integrity: string } }>; "dist-tags"?: Record<string, string> }> {
  const res = await fetch(`${reg}${name.replace("/", "%2f")}`);
  return res.status === 404 ? {} : ((await res.json()) as object);
}
const versionsOf = async (name: string, reg = registry.url) =>
  Object.keys((await packument(name, reg)).versions ?? {}).sort();
const distTags = async (name: string) => (await packument(name))["dist-tags"] ?? {};
const integrityOf = async (name: string, version: string) =>
  (await packument(name)).versions?.[version]?.dist.integrity;
const at = async (version: string) =>
  (await Promise.all(packageNames.map(async (n) => ((await versionsOf(n)).includes(version) ? n : "")))).filter(
    Boolean,
  );

/** The versions in gh-pages' versions.json on origin, newest first. */
const docsVersions = () =>
  (JSON.parse(repo.origin("show", "gh-pages:versions.json")) as { version: string }[]).map((v) => v.version);
const docsPage = (path: string) => repo.origin("show", `gh-pages:${path}`);

const originTags = () => repo.origin("tag", "--list", "v*").split("\n").filter(Boolean).sort();
const originHead = () => repo.origin("rev-parse", "main");
const originLog = () => repo.origin("log", "--format=%s", "main").split("\n");
const explain = (r: RunResult) => `semantic-release exited ${r.code}:\n${r.stdout.slice(-6000)}`;
const count = (text: string, re: RegExp) =>
  (text.match(new RegExp(re.source, `${re.flags.replace("g", "")}g`)) ?? []).length;

/** A pre-receive hook on origin that rejects pushes to refs matching `pattern` (a shell case pattern). */
function rejectPushes(pattern: string) {
  const hook = join(repo.root, "origin.git", "hooks", "pre-receive");
  writeFileSync(
    hook,
    `#!/bin/sh\nwhile read old new ref; do\n  case "$ref" in ${pattern}) echo "origin: pushes to $ref are frozen" >&2; exit 1;; esac\ndone\n`,
  );
  chmodSync(hook, 0o755);
}
const acceptPushes = () => rmSync(join(repo.root, "origin.git", "hooks", "pre-receive"), { force: true });

test("releases: feat → 1.0.0, bad token and missing rights refused before a tag, an interrupted publish finished, foreign and lost tarballs, rejected pushes, undeclared breaks refused, feat! → 2.0.0, next, and the README's terminal release", async (t) => {
  await t.test(
    "feat → v1.0.0 from the one build: every package at 1.0.0 under latest, CHANGELOG.md committed",
    async () => {
      repo.write("docs/greeting.md", "# Greetings\n\nSay hello in more languages.\n");
      repo.commit("feat(greeter): document greetings");
      const r = await release(releaserToken);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /the packages were already built from these sources/);
      assert.match(r.stdout, new RegExp(`the token may publish all ${packageNames.length} packages`));
      assert.deepEqual(originTags(), ["v1.0.0"]);
      for (const name of packageNames) {
        assert.deepEqual(await versionsOf(name), ["1.0.0"], name);
        assert.equal((await distTags(name)).latest, "1.0.0", name);
      }
      const changelog = repo.origin("show", "main:CHANGELOG.md");
      assert.match(changelog, /## 1\.0\.0/);
      assert.match(changelog, /### Features[\s\S]*\*\*greeter:\*\* document greetings/);
      assert.equal(repo.origin("rev-parse", "v1.0.0^{commit}"), originHead(), "the tag is on the release commit");
      assert.ok(existsSync(join(repo.dir, "build/release/acme-greeter-1.0.0.tgz")));
      // Workspace dependencies (0.0.0-development in the repo) are published pinned to the release version.
      const kit = (await packument(KIT.name)).versions?.["1.0.0"] as unknown as {
        dependencies: Record<string, string>;
      };
      assert.deepEqual(kit.dependencies, { "@acme/greeter": "1.0.0" });
      assert.deepEqual(docsVersions(), ["1.0.0"]);
      assert.match(docsPage("v1.0.0/index.html"), /1\.0\.0/);
      assert.match(docsPage("latest/index.html"), /1\.0\.0/);
    },
  );

  await t.test("a bad or missing npm token fails before anything is tagged or published", async () => {
    repo.edit("docs/greeting.md", "more languages", "many languages");
    repo.commit("fix(greeter): say which languages");
    const headBefore = originHead();
    const r = await release("not-a-real-token");
    assert.notEqual(r.code, 0, explain(r));
    assert.ok(
      r.stdout.includes(`ENPMAUTH npm whoami against ${registry.url} failed: the token is invalid`),
      explain(r),
    );
    const none = await release("");
    assert.notEqual(none.code, 0, explain(none));
    assert.ok(
      none.stdout.includes(`ENPMAUTH npm whoami against ${registry.url} failed: the token is missing`),
      explain(none),
    );
    assert.deepEqual(originTags(), ["v1.0.0"]);
    assert.equal(originHead(), headBefore);
    assert.equal(repo.git("tag", "--list", "v1.0.1"), "");
    assert.deepEqual(await at("1.0.1"), []);
  });

  await t.test(
    "a token that may not publish one package (verdaccio ACL, 403) fails before any tag, naming it",
    async () => {
      const headBefore = originHead();
      const r = await release(limitedToken);
      assert.notEqual(r.code, 0, explain(r));
      const refused = packageNames.slice(1);
      assert.ok(
        r.stdout.includes(
          `ENPMRIGHTS the npm token may not publish ${refused.length} of ${packageNames.length} packages: ${refused.join(", ")}`,
        ),
        explain(r),
      );
      assert.match(
        r.stdout,
        new RegExp(`${refused[0].replace("/", "\\/")} on .*: user limited is not allowed to publish package`),
      );
      assert.match(r.stdout, /Nothing was tagged or published/);
      assert.deepEqual(originTags(), ["v1.0.0"]);
      assert.equal(repo.git("tag", "--list", "v1.0.1"), "");
      assert.equal(originHead(), headBefore);
      assert.deepEqual(await at("1.0.1"), []);
    },
  );

  await t.test(
    "fix → v1.0.1 killed after its first package; a re-run publishes the rest and tags nothing",
    async () => {
      const out = await releaseKilledAfterFirstPublish(releaserToken);
      assert.deepEqual(originTags(), ["v1.0.0", "v1.0.1"], out);
      const first = await at("1.0.1");
      assert.ok(
        first.includes(packageNames[0]) && first.length < packageNames.length,
        `published before the kill: ${first.join(", ")}`,
      );
      const tagged = repo.origin("rev-parse", "v1.0.1^{commit}");

      const again = await release(releaserToken);
      assert.equal(again.code, 0, explain(again));
      assert.match(again.stdout, /release v1\.0\.1 is incomplete/);
      assert.ok(
        again.stdout.includes(`${packageNames[0]}@1.0.1 is already in ${registry.url} with the same content`),
        explain(again),
      );
      for (const name of packageNames) {
        assert.deepEqual(await versionsOf(name), ["1.0.0", "1.0.1"], name);
        assert.equal((await distTags(name)).latest, "1.0.1", name);
      }
      assert.deepEqual(originTags(), ["v1.0.0", "v1.0.1"]);
      assert.equal(repo.origin("rev-parse", "v1.0.1^{commit}"), tagged);
      assert.deepEqual(docsVersions(), ["1.0.1", "1.0.0"], "completing the release publishes its docs too");
    },
  );

  await t.test(
    "a consumer installs @acme/greeter@1.0.1, compiles under tsc --strict and calls a server; @acme/schemas@1.0.1 is tag v1.0.1's protos, and buf builds them",
    async () => {
      const consumer = await makeConsumer("1.0.1");
      const out = await run(process.execPath, ["dist/main.js"], { cwd: consumer });
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.trim(), "Hello, Ada! (stream: 1 2 3)");

      // @acme/schemas@1.0.1 holds exactly the .proto files of tag v1.0.1, and buf compiles them as installed.
      const dir = join(repo.root, "consumer-schemas");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, ".npmrc"), `@acme:registry=${registry.url}\n`);
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "schemas-consumer", private: true }));
      const install = await run("npm", ["install", "--no-audit", "--no-fund", "@acme/schemas@1.0.1"], {
        cwd: dir,
        env: cleanEnv(),
      });
      assert.equal(install.code, 0, install.stderr);
      const protoDir = join(dir, "node_modules/@acme/schemas/dist/proto");
      const tagged = repo.git("ls-tree", "-r", "--name-only", "v1.0.1", "--", "proto/").split("\n").filter(Boolean);
      assert.ok(tagged.includes("proto/acme/payments/v1/payments.proto"), tagged.join(" "));
      for (const f of tagged)
        assert.ok(
          readFileSync(join(protoDir, f.slice("proto/".length))).equals(
            execFileSync("git", ["show", `v1.0.1:${f}`], { cwd: repo.dir }),
          ),
          `${f} is byte for byte the tag's`,
        );
      const shipped = listTree(protoDir).filter((f) => !/^(google|buf)\//.test(f));
      assert.deepEqual(shipped.sort(), tagged.map((f) => f.slice("proto/".length)).sort(), "no other file of ours");
      const built = await run(bin("buf", repoRoot), ["build", protoDir, "-o", join(dir, "image.binpb")], {
        cwd: dir,
        env: cleanEnv(),
      });
      assert.equal(built.code, 0, built.stderr);
    },
  );

  await t.test(
    "a foreign @acme/payments@1.1.0 already in the registry: the release fails naming both digests, nothing else is published",
    async () => {
      const foreign = join(repo.root, "foreign");
      mkdirSync(foreign, { recursive: true });
      writeFileSync(
        join(foreign, "package.json"),
        JSON.stringify({ name: "@acme/payments", version: "1.1.0", description: "a stale manual publish" }),
      );
      writeFileSync(join(foreign, "index.js"), "export {};\n");
      const host = `//${new URL(registry.url).host}/:_authToken=${releaserToken}`;
      const pub = await run("npm", ["publish", "--tag", "stale", "--registry", registry.url, `--${host}`], {
        cwd: foreign,
        env: cleanEnv(),
      });
      assert.equal(pub.code, 0, pub.stderr);
      const theirs = (await integrityOf("@acme/payments", "1.1.0"))!;

      repo.write("docs/greeting.md", "# Greetings\n\nSay hello in most languages.\n");
      repo.commit("feat(greeter): most languages");
      const headBefore = originHead();
      const r = await release(releaserToken);
      assert.notEqual(r.code, 0, explain(r));
      const ours = `sha512-${createHash("sha512")
        .update(readFileSync(join(repo.dir, "build/release/acme-payments-1.1.0.tgz")))
        .digest("base64")}`;
      assert.notEqual(theirs, ours);
      assert.ok(
        r.stdout.includes(
          "EINTEGRITY 1 package already in the registry at 1.1.0 with different content than v1.1.0 builds: @acme/payments@1.1.0",
        ),
        explain(r),
      );
      assert.ok(r.stdout.includes(`registry has  ${theirs}`), explain(r));
      assert.ok(r.stdout.includes(`tag builds    ${ours}`), explain(r));
      assert.match(r.stdout, /Nothing was published by this run/);
      assert.deepEqual(await at("1.1.0"), ["@acme/payments"], "only the foreign one");
      assert.equal(await integrityOf("@acme/payments", "1.1.0"), theirs);
      assert.deepEqual(originTags(), ["v1.0.0", "v1.0.1"], "checked before the tag");
      assert.equal(originHead(), headBefore, "and before the CHANGELOG commit");

      // Once the foreign copy is gone, the same release goes through, with one 1.1.0 section.
      const gone = await run(
        "npm",
        ["unpublish", "@acme/payments@1.1.0", "--force", "--registry", registry.url, `--${host}`],
        { cwd: repo.dir, env: cleanEnv() },
      );
      assert.equal(gone.code, 0, gone.stderr);
      const again = await release(releaserToken);
      assert.equal(again.code, 0, explain(again));
      assert.deepEqual(await at("1.1.0"), packageNames);
      assert.equal(await integrityOf("@acme/payments", "1.1.0"), ours);
      assert.equal(count(repo.origin("show", "main:CHANGELOG.md"), /^## \[?1\.1\.0/m), 1);
    },
  );

  await t.test(
    "origin rejects the CHANGELOG push: nothing is left behind locally, and a re-run makes one release commit and one section",
    async () => {
      repo.edit("docs/greeting.md", "most languages", "nearly all languages");
      repo.commit("fix(greeter): nearly all");
      const headBefore = originHead();
      rejectPushes("refs/heads/main");
      try {
        const r = await release(releaserToken);
        assert.notEqual(r.code, 0, explain(r));
        assert.match(r.stdout, /EPUSHCHANGELOG pushing the release commit for v1\.1\.1 to main was refused/);
        assert.match(r.stdout, /The local release commit was undone; nothing was tagged or published/);
        assert.equal(repo.git("rev-parse", "HEAD"), headBefore, "no local release commit");
        assert.equal(repo.git("status", "--porcelain", "--", "CHANGELOG.md"), "", "CHANGELOG.md as committed");
        assert.equal(repo.git("tag", "--list", "v1.1.1"), "");
        assert.deepEqual(await at("1.1.1"), []);
      } finally {
        acceptPushes();
      }
      const again = await release(releaserToken);
      assert.equal(again.code, 0, explain(again));
      assert.equal(originLog().filter((s) => s === "chore(release): v1.1.1 [skip ci]").length, 1);
      assert.equal(count(repo.origin("show", "main:CHANGELOG.md"), /^## \[?1\.1\.1/m), 1);
      assert.deepEqual((await at("1.1.1")).length, packageNames.length);
    },
  );

  await t.test(
    "origin rejects the tag push: nothing is published, and a re-run in the same clone refuses the local-only tag",
    async () => {
      repo.edit("docs/greeting.md", "nearly all languages", "all languages");
      repo.commit("fix(greeter): all");
      rejectPushes("refs/tags/*");
      try {
        const r = await release(releaserToken);
        assert.notEqual(r.code, 0, explain(r));
        assert.match(r.stdout, /pushes to refs\/tags\/v1\.1\.2 are frozen/);
        assert.ok(!originTags().includes("v1.1.2"));
        assert.equal(repo.git("tag", "--list", "v1.1.2"), "v1.1.2", "semantic-release left the tag in this clone");
        assert.deepEqual(await at("1.1.2"), []);

        const again = await release(releaserToken);
        assert.notEqual(again.code, 0, explain(again));
        assert.match(
          again.stdout,
          /ELOCALTAG tag v1\.1\.2 exists only in this clone, not on .*origin\.git: it is not a release, so nothing was published/,
        );
        assert.match(again.stdout, /git tag -d v1\.1\.2/);
        assert.deepEqual(await at("1.1.2"), []);
        assert.ok(!originTags().includes("v1.1.2"));
      } finally {
        acceptPushes();
        repo.git("tag", "-d", "v1.1.2");
      }
    },
  );

  await t.test(
    "renaming a .proto file committed as feat: is refused by the safety net, naming the old path",
    async () => {
      repo.git("mv", "proto/acme/greeter/v1/greeter.proto", "proto/acme/greeter/v1/hello.proto");
      repo.commit("feat(greeter): move the greeter file");
      const headBefore = originHead();
      try {
        const r = await release(releaserToken);
        assert.notEqual(r.code, 0, explain(r));
        assert.match(
          r.stdout,
          /EBREAKINGSCHEMA The schema has 1 breaking change since v1\.1\.1, but the commits make this a minor release \(1\.2\.0\)/,
        );
        assert.ok(
          r.stdout.includes(
            'proto/acme/greeter/v1/greeter.proto:1:1: Previously present file "acme/greeter/v1/greeter.proto" was deleted. (FILE_NO_DELETE)',
          ),
          explain(r),
        );
        assert.match(r.stdout, /keep the file at its old path/);
        assert.doesNotMatch(r.stdout, /TypeError/);
        assert.equal(originHead(), headBefore);
        assert.deepEqual(await at("1.2.0"), []);
      } finally {
        repo.git("reset", "-q", "--hard", "HEAD~1");
        repo.git("push", "-q", "--force", "origin", "main");
      }
    },
  );

  await t.test("deleting a field committed as feat: is refused, nothing tagged or published", async () => {
    repo.edit(
      "proto/acme/greeter/v1/greeter.proto",
      /\n {2}\/\/ How many greetings to send; 0 means 3\.\n {2}uint32 count = 2;/,
      "",
    );
    const gen = await run("npm", ["run", "-s", "generate"], { cwd: repo.dir, env: cleanEnv() });
    assert.equal(gen.code, 0, gen.stderr);
    repo.commit("feat(greeter): always greet three times");
    const headBefore = originHead();
    const r = await release(releaserToken);
    assert.notEqual(r.code, 0, explain(r));
    assert.match(
      r.stdout,
      /EBREAKINGSCHEMA The schema has 1 breaking change since v1\.1\.1, but the commits make this a minor release \(1\.2\.0\)/,
    );
    assert.match(r.stdout, /proto\/acme\/greeter\/v1\/greeter\.proto:\d+:\d+: .*count.* \(FIELD_NO_DELETE\)/);
    assert.match(r.stdout, /BREAKING CHANGE:/);
    assert.match(r.stdout, /feat\(greeter\)!:/);
    assert.match(r.stdout, /mark it `\[deprecated = true\]`/);
    assert.equal(repo.git("tag", "--list", "v1.2.0"), "");
    assert.equal(originHead(), headBefore);
    assert.deepEqual(await at("1.2.0"), []);
  });

  await t.test("the same change as feat!: → v2.0.0 under latest", async () => {
    repo.git("commit", "-q", "--amend", "-m", "feat(greeter)!: always greet three times");
    repo.git("push", "-q", "--force", "origin", "main");
    const r = await release(releaserToken);
    assert.equal(r.code, 0, explain(r));
    assert.ok(originTags().includes("v2.0.0"));
    for (const name of packageNames) {
      assert.ok((await versionsOf(name)).includes("2.0.0"), name);
      assert.equal((await distTags(name)).latest, "2.0.0", name);
    }
    assert.match(repo.origin("show", "main:CHANGELOG.md"), /## 2\.0\.0[\s\S]*BREAKING CHANGES/);
    assert.equal(docsVersions()[0], "2.0.0");
    assert.match(docsPage("latest/index.html"), /2\.0\.0/);
    const consumer = await makeConsumer("latest");
    const pj = JSON.parse(readFileSync(join(consumer, "node_modules/@acme/greeter/package.json"), "utf8")) as {
      version: string;
      entryPoints?: unknown;
    };
    assert.equal(pj.version, "2.0.0");
    assert.equal(pj.entryPoints, undefined);
    assert.doesNotMatch(
      readFileSync(join(consumer, "node_modules/@acme/greeter/dist/v1.d.ts"), "utf8"),
      /count: number/,
    );
  });

  await t.test(
    "the registry lost @acme/payments-1.0.1.tgz: release:recover -- v1.0.1 republishes it with identical content, without moving latest",
    async () => {
      const before = (await integrityOf("@acme/payments", "1.0.1"))!;
      rmSync(join(registry.dir, "storage", "@acme", "payments", "payments-1.0.1.tgz"));
      const env = releaseEnv(releaserToken);
      assert.equal(
        (await tarballFetchable("@acme/payments", "1.0.1", registry.url, { cwd: repo.dir, env })).ok,
        false,
        "the loss is real",
      );
      const tagsBefore = originTags();
      const r = await run("npm", ["run", "-s", "release:recover", "--", "v1.0.1"], { cwd: repo.dir, env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /checked out v1\.0\.1/);
      assert.match(r.stdout, /@acme\/payments@1\.0\.1 is listed in .* but its tarball cannot be fetched/);
      assert.ok(
        r.stdout.includes(`npm: republished @acme/payments@1.0.1 to ${registry.url} (dist-tag release-1.x)`),
        r.stdout,
      );
      assert.ok(
        r.stdout.includes(
          `recover: 1.0.1: 0 published, 1 republished (listed but not downloadable), ${packageNames.length - 1} already there with the same content and downloadable (dist-tag release-1.x)`,
        ),
        r.stdout,
      );
      assert.equal(await integrityOf("@acme/payments", "1.0.1"), before, "identical content");
      for (const name of packageNames) {
        const f = await tarballFetchable(name, "1.0.1", registry.url, { cwd: repo.dir, env });
        assert.ok(f.ok, `${name}@1.0.1 downloads: ${f.why}`);
      }
      assert.equal((await distTags("@acme/payments")).latest, "2.0.0");
      assert.deepEqual(originTags(), tagsBefore);
      assert.equal(repo.git("worktree", "list").split("\n").length, 1, "the tag's worktree is removed");
    },
  );

  await t.test(
    "feat on the next branch → prerelease v2.1.0-next.1 under the next dist-tag; latest stays 2.0.0",
    async () => {
      repo.git("checkout", "-q", "-b", "next");
      repo.write("docs/greeting.md", "# Greetings\n\nSay hello in every language.\n");
      repo.git("add", "-A");
      repo.git("commit", "-q", "-m", "feat(greeter): every language");
      repo.git("push", "-q", "-u", "origin", "next");
      const r = await release(releaserToken);
      assert.equal(r.code, 0, explain(r));
      assert.ok(originTags().includes("v2.1.0-next.1"), originTags().join(" "));
      for (const name of packageNames) {
        const tags = await distTags(name);
        assert.equal(tags.next, "2.1.0-next.1", name);
        assert.equal(tags.latest, "2.0.0", name);
      }
      repo.git("checkout", "-q", "main");
    },
  );

  await t.test(
    "the README's terminal release, run as written against its own verdaccio: a dry run that says so, then the release",
    async (t) => {
      repo.write("docs/greeting.md", "# Greetings\n\nSay hello, then listen.\n");
      repo.commit("fix(greeter): listen too");
      const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
      const block = /<!-- terminal-release:begin -->\n```sh\n([\s\S]*?)```\n<!-- terminal-release:end -->/.exec(
        readme,
      )?.[1];
      assert.ok(block, "README has the terminal-release commands");
      // The same commands on a free port (the README's 4873 may be taken here).
      const port = await freePort();
      const script = block.replaceAll("127.0.0.1:4873", `127.0.0.1:${port}`);
      const reg = `http://127.0.0.1:${port}/`;
      const child = spawn("bash", ["-e", "-c", script], {
        cwd: repo.dir,
        env: cleanEnv(),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      child.stderr.on("data", (b: Buffer) => (out += b.toString()));
      const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
      // The registry the commands started keeps running in their process group: stopped once it has been read.
      t.after(() => {
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          // already gone
        }
      });
      assert.equal(code, 0, out.slice(-8000));
      // The dry run comes first: its part of the output ends with the closing banner.
      const end = out.indexOf("DRY RUN: nothing was tagged, pushed or published.");
      assert.ok(end > 0, out.slice(-8000));
      const [dry, real] = [out.slice(0, end), out.slice(end)];
      assert.match(dry, /DRY RUN: nothing will be tagged, pushed or published\./);
      assert.match(dry, /DRY RUN: release 2\.0\.1 was NOT published/);
      assert.match(dry, /To release for real from a terminal: npm run release -- --no-ci/);
      assert.doesNotMatch(dry, /Published release/);
      assert.match(real, /Published release 2\.0\.1 on default channel/);
      assert.doesNotMatch(real, /DRY RUN: nothing will be/);
      assert.ok(originTags().includes("v2.0.1"));
      assert.deepEqual(
        await versionsOf("@acme/greeter", reg),
        ["2.0.0", "2.0.1"],
        "the new registry got the previous release completed, then this one",
      );
      assert.ok(!(await versionsOf("@acme/greeter")).includes("2.0.1"), "the test's other registry is untouched");
    },
  );
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const CONSUMER_MAIN = `import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { GreeterService } from "@acme/greeter/v1";

const routes = (router: ConnectRouter) =>
  router.service(GreeterService, {
    async sayHello(req) {
      return { message: \`Hello, \${req.name}!\` };
    },
    async *sayHelloStream(req) {
      for (let i = 1; i <= (req.count || 3); i++) yield { message: \`Hello, \${req.name}!\`, index: i };
    },
  });

const server = createServer(connectNodeAdapter({ routes }));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
const client = createClient(GreeterService, createConnectTransport({ baseUrl: \`http://127.0.0.1:\${port}\`, httpVersion: "1.1" }));
const res = await client.sayHello({ name: "Ada" });
const indexes: number[] = [];
for await (const m of client.sayHelloStream({ name: "Ada" })) indexes.push(m.index);
console.log(\`\${res.message} (stream: \${indexes.join(" ")})\`);
server.close();
`;

/** A fresh project that maps only @acme to the test registry, installs @acme/greeter@<spec>, and (for a 1.x spec) compiles the client+server. */
async function makeConsumer(spec: string): Promise<string> {
  const dir = join(repo.root, `consumer-${spec}`);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, ".npmrc"), `@acme:registry=${registry.url}\n`);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
  );
  const root = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  };
  const pin = (n: string) => `${n}@${root.devDependencies[n]}`;
  const env = cleanEnv();
  const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", `@acme/greeter@${spec}`];
  // The latest check only reads the installed package: no peers, so nothing comes from outside the test registry.
  if (spec === "latest") args.push("--legacy-peer-deps");
  else
    args.push(
      pin("@bufbuild/protobuf"),
      pin("@connectrpc/connect"),
      pin("@connectrpc/connect-node"),
      pin("@types/node"),
    );
  const install = await run("npm", args, { cwd: dir, env });
  assert.equal(install.code, 0, install.stderr);
  if (spec === "latest") return dir;
  writeFileSync(join(dir, "src/main.ts"), CONSUMER_MAIN);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          outDir: "dist",
          rootDir: "src",
          types: ["node"],
          skipLibCheck: false,
        },
        include: ["src"],
      },
      null,
      2,
    ),
  );
  const tsc = await run(bin("tsc", repoRoot), ["-p", "tsconfig.json"], { cwd: dir, env });
  assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  return dir;
}

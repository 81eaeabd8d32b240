// The release, end to end, for real: a throwaway copy of this repo with a
// bare origin, verdaccio as the registry, semantic-release run as CI would
// run it, and a consumer project installing what came out.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { bin, run, type RunResult } from "../scripts/lib/exec.js";
import { repoRoot } from "../scripts/lib/repo.js";
import { listWorkspacePackages } from "../scripts/lib/workspaces.js";
import { cleanEnv, makeReleaseRepo, type ReleaseRepo } from "./support/release-repo.js";
import { startVerdaccio, type TestRegistry } from "./support/verdaccio.js";

let registry: TestRegistry;
let repo: ReleaseRepo;
let releaserToken: string;
/** Can publish the first package only: its release stops after that one. */
let limitedToken: string;
let packageNames: string[];

before(async () => {
  // Packages are published in dependency order; "limited" may publish only the first.
  packageNames = listWorkspacePackages(repoRoot).map((p) => p.name);
  registry = await startVerdaccio({
    [packageNames[0]]: { access: "$all", publish: "releaser limited" },
    "@acme/*": { access: "$all", publish: "releaser" },
  });
  releaserToken = await registry.addUser("releaser", "releaser-password-1");
  limitedToken = await registry.addUser("limited", "limited-password-1");
  repo = makeReleaseRepo();
  assert.deepEqual(listWorkspacePackages(repo.dir).map((p) => p.name), packageNames);
  // The release workflow builds (and tests) before semantic-release; reuse our build when there is one.
  for (const p of listWorkspacePackages(repoRoot)) {
    if (existsSync(join(repoRoot, p.dir, "dist"))) cpSync(join(repoRoot, p.dir, "dist"), join(repo.dir, p.dir, "dist"), { recursive: true });
  }
  if (!listWorkspacePackages(repo.dir).every((p) => existsSync(join(repo.dir, p.dir, "dist")))) {
    const b = await run("npm", ["run", "-s", "build:packages"], { cwd: repo.dir, env: cleanEnv() });
    assert.equal(b.code, 0, b.stderr);
  }
});

after(async () => {
  await registry?.close();
  repo?.cleanup();
});

async function release(token: string): Promise<RunResult> {
  const t0 = performance.now();
  const r = await run(process.execPath, [join(repo.dir, "node_modules", "semantic-release", "bin", "semantic-release.js"), "--no-ci"], {
    cwd: repo.dir,
    env: cleanEnv({ NPM_TOKEN: token, NPM_CONFIG_REGISTRY: registry.url }),
  });
  if (process.env.RELEASE_E2E_TRACE) process.stderr.write(`semantic-release: exit ${r.code} in ${Math.round(performance.now() - t0)} ms\n${r.stdout}${r.stderr}\n`);
  return { ...r, stdout: r.stdout + r.stderr };
}

async function packument(name: string): Promise<{ versions?: Record<string, unknown>; "dist-tags"?: Record<string, string> }> {
  const res = await fetch(`${registry.url}${name.replace("/", "%2f")}`);
  return res.status === 404 ? {} : ((await res.json()) as object);
}

async function versionsOf(name: string): Promise<string[]> {
  return Object.keys((await packument(name)).versions ?? {}).sort();
}

async function distTags(name: string): Promise<Record<string, string>> {
  return (await packument(name))["dist-tags"] ?? {};
}

/** The versions in gh-pages' versions.json on origin, newest first. */
const docsVersions = () => (JSON.parse(repo.origin("show", "gh-pages:versions.json")) as { version: string }[]).map((v) => v.version);
const docsPage = (path: string) => repo.origin("show", `gh-pages:${path}`);

const originTags = () => repo.origin("tag", "--list", "v*").split("\n").filter(Boolean).sort();
const originHead = () => repo.origin("rev-parse", "main");
const explain = (r: RunResult) => `semantic-release exited ${r.code}:\n${r.stdout.slice(-6000)}`;

test("releases: feat → 1.0.0, bad token refused, interrupted publish finished by a re-run, undeclared schema break refused, feat! → 2.0.0", { timeout: 360_000 }, async (t) => {
  await t.test("feat → v1.0.0, every package at 1.0.0 under latest, CHANGELOG.md committed", async () => {
    repo.write("docs/greeting.md", "# Greetings\n\nSay hello in more languages.\n");
    repo.commit("feat(greeter): document greetings");
    const r = await release(releaserToken);
    assert.equal(r.code, 0, explain(r));
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
    const internal: string[] = [];
    for (const name of packageNames) {
      const v = (await packument(name)).versions?.["1.0.0"] as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      for (const [dep, range] of Object.entries({ ...v.dependencies, ...v.peerDependencies })) {
        if (packageNames.includes(dep)) internal.push(`${name} -> ${dep}@${range}`);
      }
    }
    assert.ok(internal.length > 0, "some package depends on another workspace package");
    for (const d of internal) assert.match(d, /@1\.0\.0$/);
    assert.deepEqual(docsVersions(), ["1.0.0"]);
    assert.match(docsPage("v1.0.0/index.html"), /1\.0\.0/);
    assert.match(docsPage("latest/index.html"), /1\.0\.0/);
  });

  await t.test("a bad or missing npm token fails before anything is tagged or published", async () => {
    repo.edit("docs/greeting.md", "more languages", "many languages");
    repo.commit("fix(greeter): say which languages");
    const headBefore = originHead();
    const r = await release("not-a-real-token");
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stdout, new RegExp(`ENPMAUTH npm whoami against ${registry.url.replace(/[.:/]/g, "\\$&")} failed: the token is invalid`));
    assert.deepEqual(originTags(), ["v1.0.0"]);
    assert.equal(originHead(), headBefore);
    assert.equal(repo.git("tag", "--list", "v1.0.1"), "");
    const none = await release("");
    assert.notEqual(none.code, 0, explain(none));
    assert.ok(none.stdout.includes(`ENPMAUTH npm whoami against ${registry.url} failed: the token is missing`), explain(none));
    assert.deepEqual(originTags(), ["v1.0.0"]);
    for (const name of packageNames) assert.deepEqual(await versionsOf(name), ["1.0.0"], name);
  });

  await t.test("fix → v1.0.1 whose publish stops after the first package; a re-run publishes the rest and tags nothing", async () => {
    const r = await release(limitedToken);
    assert.notEqual(r.code, 0, explain(r));
    const [first, second] = packageNames;
    assert.ok(r.stdout.includes(`ENPMPUBLISH npm publish of ${second} to ${registry.url} failed`), explain(r));
    assert.deepEqual(originTags(), ["v1.0.0", "v1.0.1"]);
    assert.deepEqual(await versionsOf(first), ["1.0.0", "1.0.1"]);
    for (const name of packageNames.slice(1)) assert.deepEqual(await versionsOf(name), ["1.0.0"], name);
    const tagged = repo.origin("rev-parse", "v1.0.1^{commit}");

    const again = await release(releaserToken);
    assert.equal(again.code, 0, explain(again));
    assert.match(again.stdout, /release v1\.0\.1 is incomplete/);
    assert.ok(again.stdout.includes(`${first}@1.0.1 is already in ${registry.url}; skipped`), explain(again));
    for (const name of packageNames) {
      assert.deepEqual(await versionsOf(name), ["1.0.0", "1.0.1"], name);
      assert.equal((await distTags(name)).latest, "1.0.1", name);
    }
    assert.deepEqual(originTags(), ["v1.0.0", "v1.0.1"]);
    assert.equal(repo.origin("rev-parse", "v1.0.1^{commit}"), tagged);
    assert.deepEqual(docsVersions(), ["1.0.1", "1.0.0"], "completing the release publishes its docs too");
  });

  await t.test("a consumer installs @acme/greeter@1.0.1, compiles under tsc --strict and calls a server", async () => {
    const consumer = await makeConsumer("1.0.1");
    const out = await run(process.execPath, ["dist/main.js"], { cwd: consumer });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), "Hello, Ada! (stream: 1 2 3)");
  });

  await t.test("a breaking schema change committed as feat: is refused, nothing tagged or published", async () => {
    repo.edit("proto/acme/greeter/v1/greeter.proto", /\n  \/\/ How many greetings to send; 0 means 3\.\n  uint32 count = 2;/, "");
    const gen = await run("npm", ["run", "-s", "generate"], { cwd: repo.dir, env: cleanEnv() });
    assert.equal(gen.code, 0, gen.stderr);
    repo.commit("feat(greeter): always greet three times");
    const headBefore = originHead();
    const r = await release(releaserToken);
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stdout, /EBREAKINGSCHEMA The schema has 1 breaking change since v1\.0\.1, but the commits make this a minor release \(1\.1\.0\)/);
    assert.match(r.stdout, /proto\/acme\/greeter\/v1\/greeter\.proto:\d+:\d+: .*count.* \(FIELD_NO_DELETE\)/);
    assert.match(r.stdout, /BREAKING CHANGE:/);
    assert.match(r.stdout, /feat\(greeter\)!:/);
    assert.deepEqual(originTags(), ["v1.0.0", "v1.0.1"]);
    assert.equal(repo.git("tag", "--list", "v1.1.0"), "");
    assert.equal(originHead(), headBefore);
    for (const name of packageNames) assert.deepEqual(await versionsOf(name), ["1.0.0", "1.0.1"], name);
  });

  await t.test("the same change as feat!: → v2.0.0 under latest", async () => {
    repo.git("commit", "-q", "--amend", "-m", "feat(greeter)!: always greet three times");
    repo.git("push", "-q", "--force", "origin", "main");
    const r = await release(releaserToken);
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(originTags(), ["v1.0.0", "v1.0.1", "v2.0.0"]);
    for (const name of packageNames) {
      assert.deepEqual(await versionsOf(name), ["1.0.0", "1.0.1", "2.0.0"], name);
      assert.equal((await distTags(name)).latest, "2.0.0", name);
    }
    assert.match(repo.origin("show", "main:CHANGELOG.md"), /## 2\.0\.0[\s\S]*BREAKING CHANGES/);
    assert.deepEqual(docsVersions(), ["2.0.0", "1.0.1", "1.0.0"]);
    assert.match(docsPage("latest/index.html"), /2\.0\.0/);
  });

  await t.test("a consumer installing @acme/greeter@latest gets 2.0.0, without the removed field", async () => {
    const consumer = await makeConsumer("latest");
    const pj = JSON.parse(readFileSync(join(consumer, "node_modules/@acme/greeter/package.json"), "utf8")) as { version: string; entryPoints?: unknown };
    assert.equal(pj.version, "2.0.0");
    assert.equal(pj.entryPoints, undefined);
    const dts = readFileSync(join(consumer, "node_modules/@acme/greeter/dist/v1.d.ts"), "utf8");
    assert.doesNotMatch(dts, /count: number/);
  });

  await t.test("npm run release:recover -- v1.0.1 rebuilds the tag and republishes only what is missing, without moving latest", async () => {
    const env = cleanEnv({ NPM_TOKEN: releaserToken, NPM_CONFIG_REGISTRY: registry.url });
    const gone = await run("npm", ["unpublish", "@acme/payments@1.0.1", "--force", "--registry", registry.url, `--//${new URL(registry.url).host}/:_authToken=${releaserToken}`], { cwd: repo.dir, env });
    assert.equal(gone.code, 0, gone.stderr);
    assert.deepEqual(await versionsOf("@acme/payments"), ["1.0.0", "2.0.0"]);
    const tagsBefore = originTags();
    const r = await run("npm", ["run", "-s", "release:recover", "--", "v1.0.1"], { cwd: repo.dir, env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /checked out v1\.0\.1/);
    assert.ok(r.stdout.includes(`recover: 1.0.1: 1 published, ${packageNames.length - 1} already there (dist-tag release-1.x)`), r.stdout);
    assert.ok(r.stdout.includes(`npm: published @acme/payments@1.0.1 to ${registry.url} (dist-tag release-1.x)`), r.stdout);
    assert.deepEqual(await versionsOf("@acme/payments"), ["1.0.0", "1.0.1", "2.0.0"]);
    assert.equal((await distTags("@acme/payments")).latest, "2.0.0");
    assert.deepEqual(originTags(), tagsBefore);
    assert.equal(repo.git("worktree", "list").split("\n").length, 1, "the tag's worktree is removed");
  });

  await t.test("feat on the next branch → prerelease v2.1.0-next.1 under the next dist-tag; latest stays 2.0.0", async () => {
    repo.git("checkout", "-q", "-b", "next");
    repo.write("docs/greeting.md", "# Greetings\n\nSay hello in every language.\n");
    repo.git("add", "-A");
    repo.git("commit", "-q", "-m", "feat(greeter): every language");
    repo.git("push", "-q", "-u", "origin", "next");
    const r = await release(releaserToken);
    assert.equal(r.code, 0, explain(r));
    assert.ok(originTags().includes("v2.1.0-next.1"), originTags().join(" "));
    for (const name of packageNames) {
      assert.ok((await versionsOf(name)).includes("2.1.0-next.1"), name);
      const tags = await distTags(name);
      assert.equal(tags.next, "2.1.0-next.1", name);
      assert.equal(tags.latest, "2.0.0", name);
    }
  });
});

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
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
  const root = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  const pin = (n: string) => `${n}@${root.devDependencies[n]}`;
  const env = cleanEnv();
  const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", `@acme/greeter@${spec}`];
  // The latest check only reads the installed package: no peers, so nothing comes from outside the test registry.
  if (spec === "latest") args.push("--legacy-peer-deps");
  else args.push(pin("@bufbuild/protobuf"), pin("@connectrpc/connect"), pin("@connectrpc/connect-node"), pin("@types/node"));
  const install = await run("npm", args, { cwd: dir, env });
  assert.equal(install.code, 0, install.stderr);
  if (spec === "latest") return dir;
  writeFileSync(join(dir, "src/main.ts"), CONSUMER_MAIN);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", outDir: "dist", rootDir: "src", types: ["node"], skipLibCheck: false },
    include: ["src"],
  }, null, 2));
  const tsc = await run(bin("tsc", repoRoot), ["-p", "tsconfig.json"], { cwd: dir, env });
  assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  return dir;
}

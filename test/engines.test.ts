// "engines" holds: the repo installs with npm's --engine-strict on this Node,
// and so does a consumer of each published package (with what the registry
// resolves today); and in package-lock.json every package accepts every Node
// version the repo's and each package's "engines" claim, not just this one.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import semver from "semver";
import {
  consumerEngineConflicts,
  repoEngineConflicts,
  resolveInLock,
  type Lockfile,
} from "../scripts/lib/infra/engines.js";
import { npmCommand, run } from "../scripts/lib/infra/exec.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { listWorkspacePackages } from "../scripts/lib/infra/workspaces.js";

const lock = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as Lockfile;
const rootPkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { engines: { node: string } };
const workspaces = listWorkspacePackages();
const published = workspaces.filter((w) => !(w.packageJson as { private?: boolean }).private);
const engineOf = (w: (typeof workspaces)[number]) => (w.packageJson as { engines?: { node?: string } }).engines?.node;

const work = mkdtempSync(join(tmpdir(), "engines-"));
after(() => rmSync(work, { recursive: true, force: true }));

const npm = npmCommand();
/** npm with --engine-strict, so that an unsupported engine fails the command (EBADENGINE). */
// --loglevel=warn: `npm run ci` runs each step with `npm run -s`, whose npm_config_loglevel=silent
// reaches this npm through the environment and would swallow the EBADENGINE report.
const strictNpm = (args: string[], cwd: string, extra: string[] = []) =>
  run(
    npm.cmd,
    [
      ...npm.prefix,
      ...args,
      "--engine-strict",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--loglevel=warn",
      ...extra,
    ],
    { cwd },
  );

const badEngine = (out: string) =>
  /EBADENGINE[\s\S]*?Not compatible with your version of node\/npm: (\S+)[\s\S]*?Required: (\{[^}]*\})/
    .exec(out)
    ?.slice(1)
    .join(" requires ");

describe("the claims themselves", () => {
  test("this Node is inside the repo's engines, and every published package claims Node 20 or a range inside it", () => {
    assert.ok(
      semver.satisfies(process.version, rootPkg.engines.node),
      `${process.version} is outside ${rootPkg.engines.node}`,
    );
    for (const w of published) {
      const claim = engineOf(w);
      assert.ok(claim, `${w.name} has no engines.node`);
      assert.ok(semver.intersects(claim, "20.x"), `${w.name} claims ${claim}: Node 20 is what we support`);
    }
  });
});

describe("package-lock.json against the claims, for every Node version they allow", () => {
  test("the repo's whole install (dev tree included) accepts every Node the root engines allows", () => {
    assert.deepEqual(repoEngineConflicts(lock, rootPkg.engines.node), [], `claimed ${rootPkg.engines.node}`);
  });

  for (const w of published) {
    test(`a consumer of ${w.name} gets nothing that rejects a Node its engines (${engineOf(w)}) allow`, () => {
      assert.deepEqual(consumerEngineConflicts(lock, w.dir, engineOf(w)!), []);
    });
  }

  test("the check finds a dependency that wants a newer Node, with its path", () => {
    const bad: Lockfile = {
      packages: {
        "": { name: "x" },
        "packages/lib": { name: "@acme/lib", dependencies: { inject: "6.8.1" }, engines: { node: ">=20" } },
        "node_modules/@acme/lib": { link: true, resolved: "packages/lib" },
        "node_modules/inject": { version: "6.8.1", dependencies: { cookie: "^2" } },
        "node_modules/inject/node_modules/cookie": { version: "2.0.2", engines: { node: ">=22" } },
        "node_modules/cookie": { version: "1.1.1", engines: { node: ">=18" } },
        "node_modules/native-extra": { version: "1.0.0", optional: true, engines: { node: ">=25" } },
      },
    };
    assert.equal(resolveInLock(bad, "node_modules/inject", "cookie"), "node_modules/inject/node_modules/cookie");
    assert.equal(resolveInLock(bad, "packages/lib", "inject"), "node_modules/inject");
    const expected = [{ path: "node_modules/inject/node_modules/cookie", version: "2.0.2", requires: ">=22" }];
    assert.deepEqual(consumerEngineConflicts(bad, "packages/lib", ">=20"), expected);
    assert.deepEqual(repoEngineConflicts(bad, ">=20"), expected, "optional packages are skipped by npm, not failed");
    // "20 || >=22" holds on 20.x and 22.x, yet not for a claim that includes 21.
    assert.deepEqual(
      consumerEngineConflicts(
        { packages: { "packages/lib": { engines: { node: "20 || >=22" } } } },
        "packages/lib",
        ">=20",
      ).length,
      1,
    );
  });
});

describe("npm --engine-strict on this Node", () => {
  test("npm ci --engine-strict accepts the repo's lockfile", async () => {
    const dir = join(work, "repo");
    mkdirSync(dir);
    copyFileSync(join(repoRoot, "package.json"), join(dir, "package.json"));
    copyFileSync(join(repoRoot, "package-lock.json"), join(dir, "package-lock.json"));
    for (const w of workspaces) {
      mkdirSync(join(dir, w.dir), { recursive: true });
      copyFileSync(join(repoRoot, w.dir, "package.json"), join(dir, w.dir, "package.json"));
    }
    // --dry-run: npm builds the whole tree from the lockfile and checks every engine, then stops
    // short of downloading and writing node_modules.
    const r = await strictNpm(["ci", "--dry-run"], dir);
    assert.equal(r.code, 0, `npm ci --engine-strict: ${badEngine(r.stderr) ?? r.stderr}`);
  });

  /** What a consumer of `w` installs from the registry: its dependencies and peers, through our own packages. */
  function externalDependencies(
    w: (typeof workspaces)[number],
    into: Record<string, string> = {},
  ): Record<string, string> {
    const pj = w.packageJson as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    for (const [name, range] of Object.entries({ ...pj.dependencies, ...pj.peerDependencies })) {
      const own = workspaces.find((x) => x.name === name);
      if (own) externalDependencies(own, into);
      else into[name] ??= range;
    }
    return into;
  }

  for (const w of published) {
    test(`a consumer of ${w.name} installs with --engine-strict (npm install, then npm ci)`, async () => {
      const dir = join(work, w.name.replace("/", "__"));
      mkdirSync(dir);
      writeFileSync(
        join(dir, "package.json"),
        JSON.stringify({ name: "consumer", private: true, dependencies: externalDependencies(w) }, null, 2),
      );
      // Engines only: on Node 20 npm picks the newest version whose engines allow it (connect-node
      // 2.1.2: 2.2 and later want Node 22), whose exact peer can then clash with the newest
      // @connectrpc/connect. Peer resolution has its own consumer test; here it is left loose.
      const install = await strictNpm(["install", "--package-lock-only"], dir, ["--legacy-peer-deps"]);
      assert.equal(
        install.code,
        0,
        `${w.name}: npm install --engine-strict: ${badEngine(install.stderr) ?? install.stderr}`,
      );
      const ci = await strictNpm(["ci", "--dry-run"], dir, ["--legacy-peer-deps"]);
      assert.equal(ci.code, 0, `${w.name}: npm ci --engine-strict: ${badEngine(ci.stderr) ?? ci.stderr}`);
    });
  }

  test("the npm check does catch a dependency that needs a newer Node (light-my-request 6.8.1 pulls cookie@2, Node >= 22)", async (t) => {
    if (semver.satisfies(process.version, ">=22"))
      return t.skip("Node 22 or newer accepts cookie@2: nothing to catch here");
    const dir = join(work, "too-new");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "consumer", private: true, dependencies: { "light-my-request": "6.8.1" } }),
    );
    const r = await strictNpm(["install", "--package-lock-only"], dir);
    const out = `${r.stderr}${r.stdout}`;
    assert.notEqual(r.code, 0, out);
    assert.match(badEngine(out) ?? `exit ${r.code}: ${out}`, /^cookie@2\.\d+\.\d+ requires \{"node":">=22"\}$/);
  });
});

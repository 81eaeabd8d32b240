// docs:publish on a temporary docs tree, through its real CLI.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { run } from "../scripts/lib/infra/exec.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";

let tmp: string;
let tree: string;
const site = (v: string) => {
  const dir = join(tmp, `site-${v}`);
  mkdirSync(join(dir, "pkg"), { recursive: true });
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>${v}</title>`);
  writeFileSync(join(dir, "pkg", "a.html"), v);
  return dir;
};
const publish = (v: string, dir = site(v)) =>
  run(process.execPath, [
    "--import",
    "tsx",
    join(repoRoot, "scripts", "docs-publish.ts"),
    "--site",
    dir,
    "--version",
    v,
    "--tree",
    tree,
  ]);
const versions = () =>
  JSON.parse(readFileSync(join(tree, "versions.json"), "utf8")) as {
    version: string;
    path: string;
    prerelease: boolean;
    latest: boolean;
  }[];

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "docs-publish-"));
  tree = join(tmp, "gh-pages");
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("docs:publish", () => {
  it("writes vX.Y.Z/ and latest/, and keeps versions.json newest first with pre-releases marked", async () => {
    for (const v of ["1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1"]) {
      const r = await publish(v);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(
      versions().map((v) => v.version),
      ["2.0.0-rc.1", "1.10.0", "1.2.0", "1.0.0"],
      "semver order, not string order",
    );
    assert.deepEqual(
      versions().map((v) => [v.path, v.prerelease, v.latest]),
      [
        ["v2.0.0-rc.1/", true, false],
        ["v1.10.0/", false, true],
        ["v1.2.0/", false, false],
        ["v1.0.0/", false, false],
      ],
    );
    for (const v of ["1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1"])
      assert.equal(readFileSync(join(tree, `v${v}`, "pkg", "a.html"), "utf8"), v);
    // latest/ is the newest stable: neither the older 1.2.0 nor the pre-release replaced it.
    assert.equal(readFileSync(join(tree, "latest", "pkg", "a.html"), "utf8"), "1.10.0");
    assert.match(readFileSync(join(tree, "versions.js"), "utf8"), /^window\.__PGD_VERSIONS__=\[/);
    assert.match(readFileSync(join(tree, "index.html"), "utf8"), /url=latest\/index\.html/);
  });

  it("republishing a version replaces it without duplicating its entry, and leaves no temp dirs", async () => {
    const dir = site("1.2.0");
    writeFileSync(join(dir, "pkg", "a.html"), "1.2.0 again");
    assert.equal((await publish("1.2.0", dir)).code, 0);
    assert.equal(versions().filter((v) => v.version === "1.2.0").length, 1);
    assert.equal(readFileSync(join(tree, "v1.2.0", "pkg", "a.html"), "utf8"), "1.2.0 again");
    const { readdirSync } = await import("node:fs");
    assert.deepEqual(
      readdirSync(tree).filter((n) => n.startsWith(".")),
      [],
    );
  });

  it("refuses bad input with a clear error and leaves the tree as it was", async () => {
    const before = readFileSync(join(tree, "versions.json"), "utf8");
    const bad = await publish("not-a-version");
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--version must be a semver version like 1\.2\.3, got "not-a-version"/);
    const noSite = await run(process.execPath, [
      "--import",
      "tsx",
      join(repoRoot, "scripts", "docs-publish.ts"),
      "--site",
      join(tmp, "nope"),
      "--version",
      "3.0.0",
      "--tree",
      tree,
    ]);
    assert.notEqual(noSite.code, 0);
    assert.match(noSite.stderr, /has no index\.html/);
    const missing = await run(process.execPath, [
      "--import",
      "tsx",
      join(repoRoot, "scripts", "docs-publish.ts"),
      "--version",
      "3.0.0",
    ]);
    assert.match(missing.stderr, /missing --site, --tree/);
    assert.equal(readFileSync(join(tree, "versions.json"), "utf8"), before);
    assert.equal(existsSync(join(tree, "v3.0.0")), false);
  });
});

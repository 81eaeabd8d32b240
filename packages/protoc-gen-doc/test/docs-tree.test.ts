// The versioned docs tree on disk: what a failed publish leaves (nothing), in temporary directories.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { addVersionToDocsTree } from "../src/site/docs-tree.js";
import { moveIntoTree } from "../src/site/move-into-tree.js";

const tmp = mkdtempSync(join(tmpdir(), "pgd-docs-tree-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file under `dir` with its content, by relative path. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile())
      out[join(e.parentPath, e.name).slice(dir.length + 1)] = readFileSync(join(e.parentPath, e.name), "utf8");
  }
  return out;
}

function site(name: string, text: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, "pkg"), { recursive: true });
  writeFileSync(join(dir, "index.html"), text);
  writeFileSync(join(dir, "pkg", "a.html"), text);
  return dir;
}

describe("docs tree", () => {
  it("moves staged entries in all or nothing: one that cannot be moved puts back every one before it", () => {
    const tree = join(tmp, "all-or-nothing");
    const stage = join(tree, ".stage");
    mkdirSync(join(tree, "latest"), { recursive: true });
    writeFileSync(join(tree, "latest", "index.html"), "old");
    writeFileSync(join(tree, "versions.json"), "old");
    mkdirSync(join(stage, "latest"), { recursive: true });
    mkdirSync(join(stage, "v2.0.0"));
    writeFileSync(join(stage, "latest", "index.html"), "new");
    writeFileSync(join(stage, "v2.0.0", "index.html"), "new");
    writeFileSync(join(stage, "versions.json"), "new");
    const before = snapshot(tree);

    assert.throws(() => moveIntoTree(stage, tree, ["v2.0.0", "latest", "versions.json", "not-staged"]), {
      code: "ENOENT",
    });
    assert.deepEqual(snapshot(tree), before, "the tree is as it was, and the staged entries are back in the stage");
  });

  it("a site that cannot be copied leaves the tree as it was, with no staging directory", () => {
    const tree = join(tmp, "copy-fails");
    addVersionToDocsTree({ site: site("site-1", "1.0.0"), version: "1.0.0", tree });
    const before = snapshot(tree);
    const bad = site("site-fifo", "2.0.0");
    // Node's copy refuses a FIFO: the copy fails half-way through the site.
    execFileSync("mkfifo", [join(bad, "pkg", "pipe")]);

    assert.throws(() => addVersionToDocsTree({ site: bad, version: "2.0.0", tree }), { code: "ERR_FS_CP_FIFO_PIPE" });
    assert.deepEqual(snapshot(tree), before);
    assert.deepEqual(readdirSync(tree).sort(), ["index.html", "latest", "v1.0.0", "versions.js", "versions.json"]);
  });
});

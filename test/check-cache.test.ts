// Which files an incremental lint or breaking check asks buf about
// (scripts/lib/schema/check-cache.ts): pure planning, no buf process.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FILES_PER_RUN, type ImageFileDigest, pathBatches, planCheck } from "../scripts/lib/schema/check-cache.js";

const LINT = { neighbours: true, fullOnRemoval: false };
const BREAKING = { neighbours: false, fullOnRemoval: true };

const file = (name: string, pkg: string, digest = "d0"): ImageFileDigest => ({ name, pkg, digest });
const tree = [
  file("acme/a/v1/a.proto", "acme.a.v1"),
  file("acme/a/v1/a_types.proto", "acme.a.v1"),
  file("acme/b/v1/b.proto", "acme.b.v1"),
  file("acme/c/v1/c.proto", "acme.c.v1"),
];
const clean = (files: ImageFileDigest[], key = "k") => ({
  key,
  files: Object.fromEntries(files.map((f) => [f.name, f.digest])),
});
const change = (name: string, to = "d1") => tree.map((f) => (f.name === name ? { ...f, digest: to } : f));

describe("planCheck", () => {
  test("with no clean run on record, or another key, everything is checked", () => {
    assert.equal(planCheck(undefined, "k", tree, LINT).kind, "all");
    assert.deepEqual(planCheck(clean(tree, "old"), "k", tree, BREAKING), {
      kind: "all",
      why: "buf, its rules or the compared schema changed",
    });
  });

  test("nothing changed since the last clean run: nothing is checked", () => {
    assert.deepEqual(planCheck(clean(tree), "k", tree, LINT), { kind: "none" });
    assert.deepEqual(planCheck(clean(tree), "k", tree, BREAKING), { kind: "none" });
  });

  test("breaking checks exactly the changed and the new files", () => {
    const now = [...change("acme/b/v1/b.proto"), file("acme/d/v1/d.proto", "acme.d.v1")];
    assert.deepEqual(planCheck(clean(tree), "k", now, BREAKING), {
      kind: "paths",
      paths: ["acme/b/v1/b.proto", "acme/d/v1/d.proto"],
    });
  });

  test("lint widens a change to the files sharing its package or directory", () => {
    assert.deepEqual(planCheck(clean(tree), "k", change("acme/a/v1/a.proto"), LINT), {
      kind: "paths",
      paths: ["acme/a/v1/a.proto", "acme/a/v1/a_types.proto"],
    });
    // A file that moved into another directory but kept its package: both groups are checked.
    const moved = [...tree.filter((f) => f.name !== "acme/c/v1/c.proto"), file("acme/c/v2/c.proto", "acme.a.v1", "dx")];
    assert.deepEqual(planCheck(clean(tree), "k", moved, LINT), {
      kind: "paths",
      paths: ["acme/a/v1/a.proto", "acme/a/v1/a_types.proto", "acme/c/v2/c.proto"],
    });
  });

  test("a removed file: lint checks what shared its directory, breaking checks the whole module", () => {
    const without = tree.filter((f) => f.name !== "acme/a/v1/a_types.proto");
    assert.deepEqual(planCheck(clean(tree), "k", without, LINT), { kind: "paths", paths: ["acme/a/v1/a.proto"] });
    assert.deepEqual(planCheck(clean(tree), "k", without, BREAKING), {
      kind: "all",
      why: "acme/a/v1/a_types.proto was removed",
    });
  });
});

describe("pathBatches", () => {
  // 130 packages of 3 files each, one directory per package: 390 files.
  const big = Array.from({ length: 390 }, (_, i) =>
    file(`acme/p${Math.floor(i / 3)}/v1/f${i % 3}.proto`, `acme.p${Math.floor(i / 3)}.v1`),
  );
  const all = { kind: "all", why: "test" } as const;

  test("a whole check is split into runs of at most FILES_PER_RUN files, each file in exactly one", () => {
    const batches = pathBatches(all, big, { keepTogether: false, whole: false });
    assert.ok(batches.length >= 2);
    assert.ok(batches.every((b) => b.length <= FILES_PER_RUN));
    assert.deepEqual(batches.flat().sort(), big.map((f) => f.name).sort());
  });

  test("lint keeps the files of one package or directory in the same run", () => {
    const batches = pathBatches(all, big, { keepTogether: true, whole: false });
    assert.ok(batches.every((b) => b.length <= FILES_PER_RUN));
    assert.deepEqual(batches.flat().sort(), big.map((f) => f.name).sort());
    for (const b of batches) {
      const pkgs = new Set(b.map((n) => n.split("/")[1]));
      for (const p of pkgs) assert.equal(b.filter((n) => n.split("/")[1] === p).length, 3, `${p} split across runs`);
    }
  });

  test("a removed file of the compared schema makes one run over the whole image; nothing to check, no run", () => {
    assert.deepEqual(pathBatches(all, big, { keepTogether: false, whole: true }), [[]]);
    assert.deepEqual(pathBatches({ kind: "none" }, big, { keepTogether: true, whole: false }), []);
    assert.deepEqual(
      pathBatches({ kind: "paths", paths: ["acme/p1/v1/f0.proto"] }, big, { keepTogether: true, whole: true }),
      [[]],
    );
  });
});

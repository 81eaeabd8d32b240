// The "nothing changed" stamp of a build stage (scripts/lib/infra/stage-stamp.ts), on a
// temporary directory: what makes it stale, including the changes a stat alone cannot see.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type StampSpec, stageStamp } from "../scripts/lib/infra/stage-stamp.js";

describe("stage stamp", () => {
  let root: string;
  const spec: StampSpec = { key: ["k"], inputs: [{ path: "in" }, { path: "config.yaml" }], outputs: [{ path: "out" }] };
  const write = (rel: string, text: string) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  /** A clean run of the stage: inputs taken before, outputs written, stamp recorded. */
  const run = () => {
    const record = stageStamp("s", root).begin(spec);
    write("out/result.txt", "result");
    record();
  };
  const fresh = (s: StampSpec = spec) => stageStamp("s", root).fresh(s);

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "stage-stamp-"));
    write("in/a.txt", "aaaa");
    write("in/sub/b.txt", "bbbb");
    write("config.yaml", "x: 1\n");
    write("target/t.txt", "tttt");
    symlinkSync(join(root, "target/t.txt"), join(root, "in/link.txt"));
    // Files younger than the racy window (2 s) are also compared by content, which would hide
    // whether the stat alone sees a change: the inputs are made older than that first.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("is fresh after a clean run and stale with no stamp or another key", () => {
    assert.equal(fresh(), false, "no stamp yet");
    run();
    assert.equal(fresh(), true);
    assert.equal(fresh({ ...spec, key: ["other"] }), false);
  });

  it("is stale after an input changes, even to the same size and even to the same bytes", () => {
    run();
    write("in/a.txt", "AAAA");
    assert.equal(fresh(), false);
    run();
    // The same bytes written again: a new stat, so the stage runs and its own content check decides.
    write("in/a.txt", "AAAA");
    assert.equal(fresh(), false);
  });

  it("sees a change behind a symbolic link, an added, a deleted and a missing-then-created file", () => {
    run();
    write("target/t.txt", "TTTT");
    assert.equal(fresh(), false, "the link's target changed");
    run();
    write("in/sub/new.txt", "n");
    assert.equal(fresh(), false, "a file was added");
    run();
    rmSync(join(root, "in/sub/new.txt"));
    assert.equal(fresh(), false, "a file was deleted");
    run();
    rmSync(join(root, "config.yaml"));
    run();
    assert.equal(fresh(), true, "a missing input is recorded as missing");
    write("config.yaml", "x: 2\n");
    assert.equal(fresh(), false, "and its creation is a change");
  });

  it("is stale when an output is edited, deleted, or has its mtime set back", () => {
    run();
    write("out/result.txt", "edited");
    assert.equal(fresh(), false);
    run();
    rmSync(join(root, "out/result.txt"));
    assert.equal(fresh(), false);
    run();
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, "out/result.txt"), old, old);
    run();
    assert.equal(fresh(), true);
    // Same size, the old mtime put back: the ctime still moves.
    writeFileSync(join(root, "out/result.txt"), "RESULT");
    utimesSync(join(root, "out/result.txt"), old, old);
    assert.equal(fresh(), false);
  });

  it("forgets the last clean run when a run begins, so a failed run leaves no stamp", () => {
    run();
    stageStamp("s", root).begin(spec);
    assert.equal(fresh(), false);
  });
});

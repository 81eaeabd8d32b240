// Comment rendering: protobuf-style references become links, headings go
// below the page's own, paragraphs stay apart, code stays code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeGoogleapisCorpus } from "@acme/test-support/googleapis";
import type { Template } from "../src/model.js";
import { linkReferences, plainText, renderComment, renderMarkdown } from "../src/render/comment-markdown.js";
import { runPlugin } from "./support/run-plugin.js";

const known: Record<string, string> = {
  "google.pubsub.v1.Topic": "#google.pubsub.v1.Topic",
  "google.pubsub.v1.Publisher.Publish": "#google.pubsub.v1.Publisher.Publish",
};
const resolve = (name: string) => known[name];

describe("comment references", () => {
  it("links [Text][pkg.Name] and [pkg.Name][] to documented targets, across line breaks and with code in the text", () => {
    const html = renderComment(
      "See [the topic][google.pubsub.v1.Topic], [google.pubsub.v1.Topic][] and [`Publish`\nitself][google.pubsub.v1.Publisher.Publish].",
      { resolve },
    );
    assert.match(html, /<a href="#google\.pubsub\.v1\.Topic">the topic<\/a>/);
    assert.match(html, /<a href="#google\.pubsub\.v1\.Topic"><code>google\.pubsub\.v1\.Topic<\/code><\/a>/);
    assert.match(html, /<a href="#google\.pubsub\.v1\.Publisher\.Publish"><code>Publish<\/code>\nitself<\/a>/);
  });

  it("leaves unknown targets and references inside code alone", () => {
    assert.equal(linkReferences("[x][google.cloud.Other]", resolve), "[x][google.cloud.Other]");
    assert.equal(linkReferences("`[x][google.pubsub.v1.Topic]`", resolve), "`[x][google.pubsub.v1.Topic]`");
    assert.equal(plainText("Use [the topic][google.pubsub.v1.Topic] `now`."), "Use the topic now.");
  });
});

describe("comment structure", () => {
  it("demotes a comment's headings to the level below its element's heading", () => {
    const html = renderComment("## Usage\n\nText.\n\n### Details\n\nMore.", { headingLevel: 4 });
    assert.match(html, /<h4>Usage<\/h4>/);
    assert.match(html, /<h5>Details<\/h5>/);
    assert.doesNotMatch(html, /<h[123]>/);
    assert.match(renderComment("Title\n===\n\nBody.", { headingLevel: 5 }), /<h5>Title<\/h5>/, "setext headings too");
  });

  it("keeps a leading and a trailing comment (joined by a blank line) as two paragraphs", () => {
    assert.equal(
      renderComment("Leading comment.\n\nTrailing comment."),
      "<p>Leading comment.</p>\n<p>Trailing comment.</p>",
    );
  });
});

describe("the fast path for plain comments", () => {
  it("renders every googleapis comment it takes exactly as markdown-it does", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "pgd-comments-"));
    try {
      writeGoogleapisCorpus(join(tmp, "corpus"));
      const run = await runPlugin(["json", "docs.json"], {
        cwd: join(tmp, "corpus"),
        input: ".",
        outDir: join(tmp, "out"),
      });
      const model = JSON.parse(readFileSync(join(run.outDir, "docs.json"), "utf8")) as Template;
      const comments = new Set<string>();
      for (const f of model.files) {
        for (const m of f.messages)
          for (const d of [m.description, ...m.fields.map((x) => x.description)]) comments.add(d);
        for (const e of f.enums)
          for (const d of [e.description, ...e.values.map((v) => v.description)]) comments.add(d);
        for (const s of f.services)
          for (const d of [s.description, ...s.methods.map((m) => m.description)]) comments.add(d);
      }
      comments.delete("");
      let same = 0;
      for (const c of comments) {
        assert.equal(renderComment(c), renderMarkdown(c), JSON.stringify(c));
        same++;
      }
      assert.ok(same > 1000, `compared ${same} comments`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

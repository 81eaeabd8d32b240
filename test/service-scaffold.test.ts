// The scaffold's pure parts: the CODEOWNERS line `npm run new:service` adds.
// (test/new-service.test.ts runs the whole command in a temporary repo.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { addCodeowner } from "../scripts/lib/codegen/service-scaffold.js";

const ownersColumn = (text: string, dir: string) =>
  text
    .split("\n")
    .find((l) => l.startsWith(`${dir} `))!
    .indexOf("@");

test("a new domain's CODEOWNERS line puts its owner in the column of the lines above it", () => {
  const text = readFileSync(join(repoRoot, ".github/CODEOWNERS"), "utf8");
  const out = addCodeowner(text, "/proto/acme/shipping/", "@acme/shipping-team")!;
  assert.ok(out.startsWith(text.replace(/\n*$/, "\n")), "the existing lines are kept as they are");
  assert.match(out, /\n\/proto\/acme\/shipping\/ +@acme\/shipping-team\n$/);
  assert.equal(ownersColumn(out, "/proto/acme/shipping/"), ownersColumn(text, "/proto/acme/payments/"));
});

test("a directory longer than the column gets one space; a file without rules, one space; no duplicate line", () => {
  const text = "# owners\n/a/   @t/a\n";
  assert.equal(
    addCodeowner(text, "/proto/acme/a_long_domain/", "@t/b"),
    "# owners\n/a/   @t/a\n/proto/acme/a_long_domain/ @t/b\n",
  );
  assert.equal(addCodeowner(text, "/b/", "@t/b"), "# owners\n/a/   @t/a\n/b/   @t/b\n");
  assert.equal(addCodeowner("# nobody yet", "/b/", "@t/b"), "# nobody yet\n/b/ @t/b\n");
  assert.equal(addCodeowner(text, "/a/", "@t/other"), undefined);
});

// The npm names npm run docs hands the plugin for its install snippets (npmPackagesFor): every proto
// package of proto/ is named, by a workspace package that exports it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { npmPackagesFor } from "../scripts/lib/docs/docs-build.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";
import { listWorkspacePackages } from "../scripts/lib/infra/workspaces.js";

/** The `package` statement of every .proto under proto/, read here on its own to check the map against. */
function declaredPackages(dir = join(repoRoot, "proto")): Set<string> {
  const out = new Set<string>();
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith(".proto")) continue;
    const m = /^package\s+([\w.]+)\s*;/m.exec(readFileSync(join(e.parentPath, e.name), "utf8"));
    if (m) out.add(m[1]);
  }
  return out;
}

test("npmPackagesFor names every proto package of proto/ by the workspace package that exports it", async () => {
  const map = await npmPackagesFor();
  const declared = declaredPackages();
  assert.ok(declared.has("acme.greeter.v1"), "proto/ is read");
  assert.deepEqual(Object.keys(map).sort(), [...declared].sort());
  const workspaces = new Map(listWorkspacePackages().map((ws) => [ws.name, ws.packageJson]));
  for (const [proto, { npm, subpath }] of Object.entries(map)) {
    const pj = workspaces.get(npm);
    assert.ok(pj, `${proto}: ${npm} is no workspace package`);
    assert.ok(pj.exports && subpath in pj.exports, `${proto}: ${npm} does not export ${subpath}`);
  }
  assert.deepEqual(map["acme.greeter.v1"], { npm: "@acme/greeter", subpath: "./v1" });
});

// docs/architecture.md is the map of the packages: every package it names exists, and every
// workspace package is named in it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { listWorkspacePackages } from "../scripts/lib/infra/workspaces.js";
import { repoRoot } from "../scripts/lib/infra/repo.js";

test("docs/architecture.md names every workspace package, and only those", () => {
  const doc = readFileSync(join(repoRoot, "docs/architecture.md"), "utf8");
  const named = new Set([...doc.matchAll(/`(@acme\/[a-z0-9-]+)(?:\/[a-z0-9/-]+)?`/g)].map((m) => m[1]));
  const workspaces = new Set(listWorkspacePackages().map((ws) => ws.name));
  assert.ok(workspaces.has("@acme/platform") && workspaces.size > 5, "the workspace list is read");
  assert.deepEqual(
    [...named].filter((n) => !workspaces.has(n)).sort(),
    [],
    "named in docs/architecture.md but no such workspace package",
  );
  assert.deepEqual(
    [...workspaces].filter((n) => !named.has(n)).sort(),
    [],
    "workspace packages docs/architecture.md does not name",
  );
});

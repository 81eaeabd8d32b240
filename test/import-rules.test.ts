// The import rules of docs/architecture.md: a package is imported by its name, never by a path
// into it, and nothing inside packages/<name>/ climbs out of it (into another package, examples/,
// scripts/ or test/). The one exception is a package's gen.ts, which re-exports the generated code
// of its own family from gen/. Shared test fixtures live in @acme/test-support.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { repoRoot } from "../scripts/lib/infra/repo.js";

const SKIP_DIRS = new Set(["node_modules", "dist", "build", "gen", "test-results"]);
const SOURCE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;

function* sourceFiles(root: string, dir = root): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || SKIP_DIRS.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(root, p);
    else if (SOURCE.test(e.name) && !e.name.endsWith(".d.ts")) yield p;
  }
}

/** The part of the tree a repo-relative path belongs to: `packages/<name>` or its top-level folder. */
function areaOf(rel: string): string {
  const parts = rel.split(sep);
  return parts[0] === "packages" && parts.length > 2 ? `packages/${parts[1]}` : parts[0];
}

/** Every relative import that breaks a rule, as `file: "specifier" (why)`. */
export function importViolations(root: string): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(root)) {
    const rel = relative(root, file);
    const from = areaOf(rel);
    const text = readFileSync(file, "utf8");
    for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!spec.startsWith(".")) continue;
      const target = relative(root, resolve(dirname(file), spec));
      const to = areaOf(target);
      if (to === from) continue;
      if (from.startsWith("packages/") && basename(rel) === "gen.ts" && to === "gen") continue;
      if (to.startsWith("packages/"))
        out.push(`${rel}: "${spec}" reaches into ${to} by path; import it by its package name`);
      else if (from.startsWith("packages/"))
        out.push(`${rel}: "${spec}" climbs out of ${from} into ${to}/; move what it needs into @acme/test-support`);
    }
  }
  return out.sort();
}

test("no import climbs out of its package or reaches into one by path", () => {
  assert.deepEqual(importViolations(repoRoot), []);
});

test("the rule sees imports, re-exports and dynamic imports, and allows only gen.ts into gen/", (t) => {
  const root = mkdtempSync(join(tmpdir(), "import-rules-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  write("packages/a/src/gen.ts", 'export * from "../../../gen/a/index.js";\n');
  write("packages/a/src/index.ts", 'export * from "./gen.js";\nexport { x } from "../../../gen/a/x.js";\n');
  write("packages/a/test/a.test.ts", 'import { run } from "../../../scripts/lib/exec.js";\n');
  write("packages/a/test/b.test.ts", 'const m = await import("../../../examples/demo/main.js");\n');
  write("packages/b/src/index.ts", 'import { y } from "../../a/src/index.js";\n');
  write("scripts/x.ts", 'import { z } from "../packages/a/src/index.js";\nimport { q } from "./lib/q.js";\n');
  write("test/x.test.ts", 'import { run } from "../scripts/lib/exec.js";\n');
  assert.deepEqual(importViolations(root), [
    'packages/a/src/index.ts: "../../../gen/a/x.js" climbs out of packages/a into gen/; move what it needs into @acme/test-support',
    'packages/a/test/a.test.ts: "../../../scripts/lib/exec.js" climbs out of packages/a into scripts/; move what it needs into @acme/test-support',
    'packages/a/test/b.test.ts: "../../../examples/demo/main.js" climbs out of packages/a into examples/; move what it needs into @acme/test-support',
    'packages/b/src/index.ts: "../../a/src/index.js" reaches into packages/a by path; import it by its package name',
    'scripts/x.ts: "../packages/a/src/index.js" reaches into packages/a by path; import it by its package name',
  ]);
});

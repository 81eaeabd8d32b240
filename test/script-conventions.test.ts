// The shape of a script (CONTRIBUTING.md, "Writing a script"): every entry
// point runs only when node is started with it, and a failure ends it the same
// way everywhere: `<name>: <message>` (and the fix the error carries), exit 1.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import ts from "typescript";
import { repoRoot } from "../scripts/lib/infra/repo.js";

/** Every script an npm script or a git hook starts: `tsx scripts/….ts`, `node --import tsx scripts/….ts`. */
function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const hooks = readdirSync(join(repoRoot, ".husky"))
    .filter((f) => !f.startsWith("_"))
    .map((f) => readFileSync(join(repoRoot, ".husky", f), "utf8"));
  const commands = [...Object.values(pkg.scripts), ...hooks].join("\n");
  return [...new Set([...commands.matchAll(/\btsx (scripts\/\S+\.ts)\b/g)].map((m) => m[1]))].sort();
}

/** What a module does at its top level besides declaring things and guarding its entry, one line each. */
function topLevelEffects(root: string, file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  let guards = 0;
  for (const s of source.statements) {
    const line = source.getLineAndCharacterOfPosition(s.getStart()).line + 1;
    if (
      ts.isExpressionStatement(s) &&
      ts.isCallExpression(s.expression) &&
      s.expression.expression.getText() === "runIfEntryPoint" &&
      s.expression.arguments[0]?.getText() === "import.meta.url"
    ) {
      guards++;
      continue;
    }
    const declares =
      ts.isImportDeclaration(s) ||
      ts.isExportDeclaration(s) ||
      ts.isFunctionDeclaration(s) ||
      ts.isClassDeclaration(s) ||
      ts.isInterfaceDeclaration(s) ||
      ts.isTypeAliasDeclaration(s) ||
      ts.isEnumDeclaration(s) ||
      (ts.isVariableStatement(s) && !/\bawait\b/.test(s.getText()));
    if (!declares) out.push(`${file}:${line}: runs at import: ${s.getText().split("\n")[0]}`);
  }
  if (guards !== 1) out.push(`${file}: ${guards} runIfEntryPoint(import.meta.url, …) calls, expected 1`);
  return out;
}

test("every script an npm script or a git hook starts runs through runIfEntryPoint and does nothing at import", () => {
  const files = entryPoints();
  assert.ok(files.length >= 20, `found only ${files.length} entry points: ${files.join(", ")}`);
  for (const f of files)
    assert.ok(existsSync(join(repoRoot, f)), `${f} is named by package.json or .husky but missing`);
  assert.deepEqual(
    files.flatMap((f) => topLevelEffects(repoRoot, f)),
    [],
  );
});

test("the check names top-level code and a missing guard", () => {
  const dir = mkdtempSync(join(tmpdir(), "script-conventions-"));
  try {
    writeFileSync(
      join(dir, "bad.ts"),
      'import { main } from "./x.js";\nconst out = await main();\nconsole.log(out);\n',
    );
    assert.deepEqual(topLevelEffects(dir, "bad.ts"), [
      "bad.ts:2: runs at import: const out = await main();",
      "bad.ts:3: runs at import: console.log(out);",
      "bad.ts: 0 runIfEntryPoint(import.meta.url, …) calls, expected 1",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const ENTRY_URL = pathToFileURL(join(repoRoot, "scripts", "lib", "infra", "entry.ts")).href;
const FIXTURE = `import { runIfEntryPoint } from ${JSON.stringify(ENTRY_URL)};
class ErrorWithFix extends Error {
  readonly details = "do this to fix it";
}
runIfEntryPoint(import.meta.url, "fixture", async () => {
  if (process.argv[2] === "throw") throw new ErrorWithFix("it broke at step 2");
  if (process.argv[2] === "throw-plain") throw new Error("plain failure");
  console.log("ran");
  return Number(process.argv[2] ?? 0);
});
`;

function node(dir: string, file: string, ...args: string[]) {
  // tsx resolves from the repo; the fixtures live in a temp dir.
  const r = spawnSync(process.execPath, ["--import", "tsx", join(dir, file), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("runIfEntryPoint: main runs when node starts the file (also through a symlink), not when it is imported", () => {
  const dir = mkdtempSync(join(tmpdir(), "script-entry-"));
  try {
    writeFileSync(join(dir, "script.ts"), FIXTURE);
    writeFileSync(join(dir, "importer.ts"), 'import "./script.ts";\nconsole.log("imported");\n');
    symlinkSync(join(dir, "script.ts"), join(dir, "link.ts"));
    assert.deepEqual(node(dir, "script.ts", "3"), { code: 3, stdout: "ran\n", stderr: "" });
    assert.deepEqual(node(dir, "link.ts", "0"), { code: 0, stdout: "ran\n", stderr: "" });
    assert.deepEqual(node(dir, "importer.ts"), { code: 0, stdout: "imported\n", stderr: "" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runIfEntryPoint: a thrown error prints `<name>: <message>` and its fix, no stack, and exits 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "script-entry-"));
  try {
    writeFileSync(join(dir, "script.ts"), FIXTURE);
    assert.deepEqual(node(dir, "script.ts", "throw"), {
      code: 1,
      stdout: "",
      stderr: "fixture: it broke at step 2\ndo this to fix it\n",
    });
    assert.deepEqual(node(dir, "script.ts", "throw-plain"), {
      code: 1,
      stdout: "",
      stderr: "fixture: plain failure\n",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

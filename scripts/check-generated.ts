// npm run check:generated: regenerates into a temporary directory and fails,
// naming each file, when gen/ or the generated package files differ from
// what proto/ produces now, or when package-lock.json does not record every
// workspace package as its package.json declares it (`npm ci` would refuse).
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { diffTrees, generateInto, pendingPackageFiles } from "./lib/codegen/codegen.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";
import { siblingTempDir } from "./lib/infra/fs-atomic.js";
import { repoRoot } from "./lib/infra/repo.js";
import { listWorkspacePackages } from "./lib/infra/workspaces.js";

const LOCKED_FIELDS = [
  "name",
  "version",
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
] as const;

/** Where package-lock.json disagrees with the workspace packages on disk, one line each. */
export function lockfileProblems(root = repoRoot): string[] {
  const lockPath = join(root, "package-lock.json");
  if (!existsSync(lockPath)) return ["package-lock.json: missing; run `npm install` and commit it"];
  const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { packages?: Record<string, Record<string, unknown>> };
  const entries = lock.packages ?? {};
  const problems: string[] = [];
  const fix = "run `npm install` and commit package-lock.json";
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
  const sorted = (o: unknown) =>
    o && typeof o === "object" ? Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y))) : o;
  const workspaces = listWorkspacePackages(root);
  for (const ws of workspaces) {
    const entry = entries[ws.dir];
    if (!entry) {
      problems.push(`package-lock.json: workspace ${ws.dir} (${ws.name}) is missing; ${fix}`);
      continue;
    }
    if (!entries[`node_modules/${ws.name}`])
      problems.push(`package-lock.json: no link node_modules/${ws.name} -> ${ws.dir}; ${fix}`);
    for (const field of LOCKED_FIELDS) {
      const want = field === "name" || field === "version" ? ws.packageJson[field] : sorted(ws.packageJson[field]);
      const have = field === "name" || field === "version" ? entry[field] : sorted(entry[field]);
      if (!same(want, have))
        problems.push(`package-lock.json: ${ws.dir} ${field} differs from its package.json; ${fix}`);
    }
  }
  const dirs = new Set(workspaces.map((ws) => ws.dir));
  for (const key of Object.keys(entries)) {
    if (key.startsWith("packages/") && !key.includes("/node_modules/") && !dirs.has(key)) {
      problems.push(`package-lock.json: lists workspace ${key}, which no longer exists; ${fix}`);
    }
  }
  return problems;
}

export async function checkGenerated(root = repoRoot): Promise<string[]> {
  const tmp = siblingTempDir(join(root, ".check-generated"));
  try {
    const { genDir: fresh, schema } = await generateInto(tmp, root);
    const d = diffTrees(fresh, join(root, "gen"));
    return [
      ...d.stale.map((f) => `gen/${f}: stale`),
      ...d.missing.map((f) => `gen/${f}: missing`),
      ...d.extra.map((f) => `gen/${f}: not generated from any proto (left over)`),
      ...pendingPackageFiles(schema, root).map((c) => `${c.path}: ${c.created ? "missing" : "stale"}`),
      ...lockfileProblems(root),
    ];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const problems = await checkGenerated();
  if (problems.length === 0) {
    console.log("check:generated: gen/ and packages/ are up to date");
    return 0;
  }
  for (const p of problems) console.log(p);
  console.error(
    `\ncheck:generated: ${problems.length} problem(s). Run \`npm run generate\`, then \`npm install\` if a workspace package was added or its dependencies changed, and commit the result.`,
  );
  return 1;
}

runIfEntryPoint(import.meta.url, "check:generated", main);

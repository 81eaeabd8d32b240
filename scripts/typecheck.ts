// npm run typecheck: `tsc -p` (no emit) of each project below, incremental.
// - Nothing changed (every file tsc would read, by content): not run at all.
//   The key covers the files tsconfig.json includes, the workspace packages'
//   package.json and built declarations (tests import them by name), the
//   lockfile (every other .d.ts comes from node_modules), the tsconfigs and
//   the TypeScript version; it is written only after a clean check.
// - Something changed: tsc --incremental with its .tsbuildinfo in .cache/tsc/,
//   so only the files a change affects are checked again.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { listTree } from "./lib/codegen/codegen.js";
import { run } from "./lib/infra/exec.js";
import { repoRoot } from "./lib/infra/repo.js";
import { listWorkspacePackages } from "./lib/infra/workspaces.js";
import { runIfEntryPoint } from "./lib/infra/entry.js";

const CACHE = join(".cache", "tsc");
/** The TypeScript projects checked, in order: the repo, and the docs site's browser script (plain JS). */
const PROJECTS = ["tsconfig.json", "packages/protoc-gen-doc/tsconfig.browser.json"];

export function typecheckKey(project: string, root = repoRoot): string {
  const h = createHash("sha256").update(`typescript ${ts.version}\n`);
  const file = (abs: string) =>
    h.update(
      `${relative(root, abs)} ${existsSync(abs) ? createHash("sha256").update(readFileSync(abs)).digest("hex") : "-"}\n`,
    );
  const cfg = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!cfg) throw new Error(`${project}: cannot be read`);
  for (const f of [...cfg.fileNames].sort()) file(f);
  for (const f of [project, "tsconfig.base.json", "package.json", "package-lock.json"]) file(join(root, f));
  for (const ws of listWorkspacePackages(root)) {
    file(join(root, ws.dir, "package.json"));
    for (const f of listTree(join(root, ws.dir, "dist")))
      if (/\.d\.[cm]?ts$/.test(f)) file(join(root, ws.dir, "dist", f));
  }
  return h.digest("hex");
}

async function check(project: string): Promise<number> {
  const t = performance.now();
  const name = project.replace(/\W+/g, "-");
  const keyFile = join(repoRoot, CACHE, `${name}.key`);
  const key = typecheckKey(project);
  if (existsSync(keyFile) && readFileSync(keyFile, "utf8").trim() === key) {
    console.log(
      `typecheck: ${project}: nothing changed since the last clean check (${Math.round(performance.now() - t)} ms)`,
    );
    return 0;
  }
  rmSync(keyFile, { force: true });
  const r = await run(
    process.execPath,
    [
      join(repoRoot, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      project,
      "--incremental",
      "--tsBuildInfoFile",
      join(CACHE, `${name}.tsbuildinfo`),
    ],
    { echo: true },
  );
  if (r.code !== 0) return r.code;
  mkdirSync(join(repoRoot, CACHE), { recursive: true });
  writeFileSync(keyFile, `${key}\n`);
  return 0;
}

async function main(): Promise<number> {
  for (const project of PROJECTS) {
    const code = await check(project);
    if (code !== 0) return code;
  }
  return 0;
}

runIfEntryPoint(import.meta.url, "typecheck", main);

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./repo.js";

/** A package.json as the scripts read it: the fields they use, and everything else kept as is. */
export interface PackageJson {
  name: string;
  version: string;
  description?: string;
  type?: string;
  entryPoints?: Record<string, string>;
  exports?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface WorkspacePackage {
  name: string;
  dir: string; // relative to the repo root, e.g. packages/greeter
  packageJson: PackageJson;
}

/** Workspace packages under packages/, ordered so that each comes after the workspace packages it depends on. */
export function listWorkspacePackages(root = repoRoot): WorkspacePackage[] {
  const pkgRoot = join(root, "packages");
  const all = new Map<string, WorkspacePackage>();
  for (const e of existsSync(pkgRoot) ? readdirSync(pkgRoot, { withFileTypes: true }) : []) {
    const file = join(pkgRoot, e.name, "package.json");
    if (!e.isDirectory() || !existsSync(file)) continue;
    const packageJson = JSON.parse(readFileSync(file, "utf8")) as PackageJson;
    all.set(packageJson.name, { name: packageJson.name, dir: `packages/${e.name}`, packageJson });
  }
  const ordered: WorkspacePackage[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, chain: string[]) => {
    const ws = all.get(name);
    if (!ws || state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`workspace dependency cycle: ${[...chain, name].join(" -> ")}`);
    state.set(name, "visiting");
    const pj = ws.packageJson as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys({ ...pj.dependencies, ...pj.peerDependencies, ...pj.devDependencies }).sort())
      visit(dep, [...chain, name]);
    state.set(name, "done");
    ordered.push(ws);
  };
  for (const name of [...all.keys()].sort()) visit(name, []);
  return ordered;
}

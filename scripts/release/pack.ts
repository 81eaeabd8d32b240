// Packs every publishable workspace package at the release version into
// build/release/*.tgz, with a manifest.json naming them in publish order.
// The repo's package.json files keep 0.0.0-development: each package is
// staged in a temp dir with a rewritten package.json and packed from there.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { replaceDirAtomic, siblingTempDir } from "../lib/infra/fs-atomic.js";
import { hasSchemaArtifacts, SCHEMA_DESCRIPTOR_SET } from "../lib/codegen/package-schemas.js";
import type { PackageJson } from "../lib/infra/workspaces.js";
import { listWorkspacePackages, type WorkspacePackage } from "../lib/infra/workspaces.js";
import { buildInputsHash } from "./build-stamp.js";
import { releaseError } from "./errors.js";
import { npmOrThrow } from "./npm.js";

export const RELEASE_DIR = join("build", "release");
const DEP_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies", "devDependencies"] as const;

export interface PackedPackage {
  name: string;
  dir: string;
  /** File name inside the release dir. */
  tarball: string;
  /** publishConfig.registry of the package, if it names one. */
  registry?: string;
}

export interface ReleaseManifest {
  version: string;
  packages: PackedPackage[];
  /** Release assets beside the tarballs (the schema descriptor set), file names inside the release dir. */
  assets?: string[];
  /** The build inputs hash (build-stamp.ts) the set was packed from, when known. */
  inputsHash?: string;
}

/** Where a clone keeps each version's packed set, so recovering that version needs no rebuild. */
export const ARCHIVE_DIR = join("build", "releases");

/** A package's own publishConfig.registry, when it names one. */
export function ownRegistry(pj: PackageJson): string | undefined {
  return (pj.publishConfig as { registry?: string } | undefined)?.registry;
}

/** The manifest entry of a package that is not packed (yet): for registry look-ups. */
export function unpackedEntry(name: string, dir: string, pj: PackageJson): PackedPackage {
  const registry = ownRegistry(pj);
  return { name, dir, tarball: "", ...(registry ? { registry } : {}) };
}

/** Workspace packages that get published (not "private"), dependencies first. */
export function releasablePackages(root: string): WorkspacePackage[] {
  return listWorkspacePackages(root).filter((p) => p.packageJson.private !== true);
}

/**
 * The package.json that gets published: the release version, and every
 * workspace dependency pinned to that same version (in the repo they say
 * 0.0.0-development, which no registry has).
 */
export function publishedPackageJson(pj: PackageJson, version: string, workspaceNames: Set<string>): PackageJson {
  const out: PackageJson = { ...pj, version };
  // entryPoints maps export subpaths to repo sources for the build; schemaArtifacts tells the build to
  // write the protos and descriptor set (scripts/lib/codegen/package-schemas.ts). Neither means anything to consumers.
  delete out.entryPoints;
  delete out.schemaArtifacts;
  for (const field of DEP_FIELDS) {
    const deps = pj[field] as Record<string, string> | undefined;
    if (!deps) continue;
    out[field] = Object.fromEntries(Object.entries(deps).map(([n, v]) => [n, workspaceNames.has(n) ? version : v]));
  }
  return out;
}

/** Export targets (dist files) a package declares that are not on disk. */
export function missingBuildOutputs(root: string, ws: WorkspacePackage): string[] {
  const targets = new Set<string>();
  const collect = (v: unknown) => {
    if (typeof v === "string") targets.add(v);
    else if (v && typeof v === "object") Object.values(v).forEach(collect);
  };
  collect(ws.packageJson.exports);
  for (const k of ["main", "module", "types"])
    if (typeof ws.packageJson[k] === "string") targets.add(ws.packageJson[k] as string);
  return [...targets]
    .filter((t) => t !== "./package.json" && !existsSync(join(root, ws.dir, t)))
    .map((t) => `${ws.dir}/${t.replace(/^\.\//, "")}`);
}

/**
 * The releasable packages, when there are some and each is built; throws
 * ENOPACKAGES or ENOTBUILT otherwise. The release workflow runs `npm run build`
 * and `npm test` before semantic-release: no dist/ means it did not.
 */
export function verifyPackagesBuilt(root: string): WorkspacePackage[] {
  const packages = releasablePackages(root);
  if (packages.length === 0) throw releaseError("ENOPACKAGES", { dir: join(root, "packages") });
  const missing = packages.flatMap((p) => missingBuildOutputs(root, p));
  if (missing.length) throw releaseError("ENOTBUILT", { missing });
  return packages;
}

/** The releasable packages as a manifest with no version or tarballs yet: what registry look-ups read. */
export function unpackedManifest(root: string): ReleaseManifest {
  return {
    version: "0.0.0",
    packages: releasablePackages(root).map((p) => unpackedEntry(p.name, p.dir, p.packageJson)),
  };
}

/** Packs every releasable package; replaces build/release atomically so a failed pack leaves no half set. */
export async function packRelease(
  root: string,
  version: string,
  outDir = join(root, RELEASE_DIR),
): Promise<ReleaseManifest> {
  const packages = verifyPackagesBuilt(root);
  const names = new Set(listWorkspacePackages(root).map((p) => p.name));
  const fresh = siblingTempDir(outDir);
  const stage = mkdtempSync(join(tmpdir(), "release-stage-"));
  try {
    const staged = packages.map((ws) => join(stage, basename(ws.dir)));
    for (const [i, ws] of packages.entries()) {
      cpSync(join(root, ws.dir), staged[i], { recursive: true, filter: (src) => basename(src) !== "node_modules" });
      writeFileSync(
        join(staged[i], "package.json"),
        `${JSON.stringify(publishedPackageJson(ws.packageJson, version, names), null, 2)}\n`,
      );
    }
    // One npm process packs them all (it reports them in argument order).
    const r = await npmOrThrow(["pack", "--json", "--ignore-scripts", "--pack-destination", fresh, ...staged], {
      cwd: stage,
      env: process.env,
    });
    const infos = JSON.parse(r.stdout) as { name: string; filename: string }[];
    const manifest: ReleaseManifest = { version, packages: [] };
    for (const ws of packages) {
      const info = infos.find((x) => x.name === ws.name);
      if (!info) throw new Error(`npm pack did not report ${ws.name}`);
      manifest.packages.push({ ...unpackedEntry(ws.name, ws.dir, ws.packageJson), tarball: info.filename });
      // The descriptor set goes beside the tarballs too, as a release asset of its own: the very bytes
      // packed into the tarball (acme-schemas-1.4.0.tgz -> acme-schemas-1.4.0.binpb).
      if (hasSchemaArtifacts(ws.packageJson)) {
        const asset = info.filename.replace(/\.tgz$/, ".binpb");
        cpSync(join(stage, basename(ws.dir), "dist", SCHEMA_DESCRIPTOR_SET), join(fresh, asset));
        manifest.assets = [...(manifest.assets ?? []), asset];
      }
    }
    writeFileSync(join(fresh, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    replaceDirAtomic(fresh, outDir);
    return manifest;
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The packed set in `outDir`, when it is complete and for `version`. */
export function readPackedRelease(outDir: string, version: string): ReleaseManifest | undefined {
  const file = join(outDir, "manifest.json");
  if (!existsSync(file)) return undefined;
  const m = JSON.parse(readFileSync(file, "utf8")) as ReleaseManifest;
  if (m.version !== version || !m.packages.every((p) => existsSync(join(outDir, p.tarball)))) return undefined;
  return m;
}

/**
 * Keeps a copy of the packed set in build/releases/<version>/, stamped with
 * the build inputs it came from. Recovering that version from this clone
 * reuses it when the tag's inputs hash is the same (the CHANGELOG commit the
 * tag sits on is not a build input). Returns the copy's directory; undefined,
 * and nothing kept, when the inputs have uncommitted changes (no hash names them).
 */
export async function archivePackedRelease(root: string, manifest: ReleaseManifest): Promise<string | undefined> {
  const inputsHash = await buildInputsHash(root);
  if (!inputsHash) return undefined;
  const src = join(root, RELEASE_DIR);
  const dest = join(root, ARCHIVE_DIR, manifest.version);
  const fresh = siblingTempDir(dest);
  try {
    mkdirSync(fresh, { recursive: true });
    for (const f of [...manifest.packages.map((p) => p.tarball), ...(manifest.assets ?? [])])
      cpSync(join(src, f), join(fresh, f));
    writeFileSync(join(fresh, "manifest.json"), `${JSON.stringify({ ...manifest, inputsHash }, null, 2)}\n`);
    replaceDirAtomic(fresh, dest);
    return dest;
  } catch (err) {
    rmSync(fresh, { recursive: true, force: true });
    throw err;
  }
}

/** The archived packed set of `version`, when it is complete and was packed from `inputsHash`. */
export function readArchivedRelease(
  root: string,
  version: string,
  inputsHash: string,
): { manifest: ReleaseManifest; dir: string } | undefined {
  const dir = join(root, ARCHIVE_DIR, version);
  const manifest = readPackedRelease(dir, version);
  return manifest && manifest.inputsHash === inputsHash ? { manifest, dir } : undefined;
}

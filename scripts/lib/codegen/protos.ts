import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { readRepoConfig, repoRoot } from "../infra/repo.js";

/** A proto package as found under proto/, e.g. acme.greeter.v1. */
export interface ProtoPackage {
  /** Dotted package name, e.g. "acme.greeter.v1". */
  name: string;
  /** Its .proto files, relative to proto/, sorted. */
  files: string[];
  /** npm package family it belongs to, e.g. "greeter" (published as @acme/greeter). */
  family: string;
  /** Version segment, e.g. "v1" or "v1alpha1"; "" for an unversioned package such as httpgrpc. */
  version: string;
  /** Export subpath inside the family package: "./v1", or "." when unversioned. */
  subpath: string;
  /** Directory under gen/ (and proto/) holding its files, e.g. "acme/greeter/v1". */
  dir: string;
}

const VERSION = /^v\d+((alpha|beta)\d+)?$/;
const PACKAGE_STMT = /^\s*package\s+([A-Za-z_][\w.]*)\s*;/m;

/** Whether a version like v1beta1 promises no stability, so breaking checks skip it (buf's rule, see breaking-stability.ts). */
export { isUnstableVersion } from "../schema/breaking-stability.js";

/**
 * Maps a proto package to its npm family: the org prefix is dropped, the
 * version becomes a subpath, and the remaining segments are joined by "-":
 * acme.greeter.v1 -> greeter ./v1, grpc.health.v1 -> grpc-health ./v1,
 * httpgrpc -> httpgrpc ".".
 */
export function familyOf(pkg: string, protoOrg: string): Pick<ProtoPackage, "family" | "version" | "subpath"> {
  let segs = pkg.split(".");
  if (segs.length > 1 && segs[0] === protoOrg) segs = segs.slice(1);
  const last = segs[segs.length - 1];
  const version = segs.length > 1 && VERSION.test(last) ? last : "";
  if (version) segs = segs.slice(0, -1);
  const family = segs.join("-").toLowerCase().replace(/_/g, "-");
  return { family, version, subpath: version ? `./${version}` : "." };
}

function walk(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith(".proto")) out.push(p);
  }
  return out;
}

/** Every proto package under `protoDir`, grouped from the `package` statement of each file. */
export function listProtoPackages(root = repoRoot): ProtoPackage[] {
  const protoDir = join(root, "proto");
  const { protoOrg } = readRepoConfig(root);
  const byName = new Map<string, ProtoPackage>();
  for (const abs of walk(protoDir, []).sort()) {
    const rel = relative(protoDir, abs).split(sep).join("/");
    const m = PACKAGE_STMT.exec(readFileSync(abs, "utf8"));
    if (!m) throw new Error(`proto/${rel}: no package statement; every file needs one (buf lint PACKAGE_DEFINED)`);
    const name = m[1];
    let p = byName.get(name);
    if (!p) {
      p = {
        name,
        files: [],
        dir: rel.slice(0, rel.lastIndexOf("/") + 1).replace(/\/$/, ""),
        ...familyOf(name, protoOrg),
      };
      byName.set(name, p);
    }
    p.files.push(rel);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Proto packages grouped by npm family, families sorted by name. */
export function listFamilies(root = repoRoot): Map<string, ProtoPackage[]> {
  const families = new Map<string, ProtoPackage[]>();
  for (const p of listProtoPackages(root)) {
    const list = families.get(p.family) ?? [];
    const clash = list.find((q) => q.subpath === p.subpath);
    if (clash) {
      throw new Error(
        `proto packages ${clash.name} and ${p.name} would both be published as ${p.family} ${p.subpath}; rename one`,
      );
    }
    list.push(p);
    families.set(p.family, list);
  }
  return new Map([...families.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

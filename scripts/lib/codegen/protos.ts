import { readRepoConfig, repoRoot } from "../infra/repo.js";
import { ownFileDescs, type SchemaImage, workingTreeSchema } from "../schema/image-registry.js";

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

/**
 * The family of the proto files in a directory under proto/, e.g.
 * "acme/greeter/v1" -> greeter, read from the path alone: buf lint's
 * PACKAGE_DIRECTORY_MATCH (in STANDARD) makes every file's package its
 * directory. For what must work without compiling the schema (the commit hook,
 * a file the release no longer has).
 */
export function familyOfDir(dir: string, protoOrg: string): string {
  return familyOf(dir.split("/").filter(Boolean).join("."), protoOrg).family;
}

/**
 * Every proto package of the schema's own files, each with its files in name
 * order, from the compiled descriptors (`package` of each file).
 */
export function protoPackagesOf(schema: SchemaImage, protoOrg: string): ProtoPackage[] {
  const byName = new Map<string, ProtoPackage>();
  for (const file of ownFileDescs(schema)) {
    const rel = file.proto.name;
    const name = file.proto.package;
    if (!name) throw new Error(`proto/${rel}: no package statement; every file needs one (buf lint PACKAGE_DEFINED)`);
    let p = byName.get(name);
    if (!p) {
      p = { name, files: [], dir: rel.slice(0, Math.max(rel.lastIndexOf("/"), 0)), ...familyOf(name, protoOrg) };
      byName.set(name, p);
    }
    p.files.push(rel);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Proto packages grouped by npm family, families sorted by name; throws when two would share an entry point. */
export function familiesOf(packages: ProtoPackage[]): Map<string, ProtoPackage[]> {
  const families = new Map<string, ProtoPackage[]>();
  for (const p of packages) {
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

/** Every proto package under proto/, from `schema` or else the working tree's image. */
export async function listProtoPackages(root = repoRoot, schema?: SchemaImage): Promise<ProtoPackage[]> {
  return protoPackagesOf(schema ?? (await workingTreeSchema(root)), readRepoConfig(root).protoOrg);
}

/** Proto packages grouped by npm family, from `schema` or else the working tree's image. */
export async function listFamilies(root = repoRoot, schema?: SchemaImage): Promise<Map<string, ProtoPackage[]>> {
  return familiesOf(await listProtoPackages(root, schema));
}

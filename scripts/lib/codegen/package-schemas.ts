// Schema artifacts of a workspace package whose package.json says
// `"schemaArtifacts": true` (@acme/schemas): the package build
// (scripts/build-packages.ts) writes into its dist/
//   - proto/: every .proto of the repo (proto/) and of the third-party
//     dependency modules (.deps/proto/*: google/api, google/rpc,
//     buf/validate), as one include root, byte for byte;
//   - image.binpb: `buf build --as-file-descriptor-set` of the whole buf
//     workspace, with imports (the well-known types) and source info.
// These are part of the package's dist/, so the content-keyed cache of the
// package build keeps and restores them like compiled code; the inputs
// below go into the package's key.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { listTree } from "./codegen.js";
import { bin, run } from "../infra/exec.js";
import type { PackageJson } from "../infra/workspaces.js";
import { DEPS_DIR, ensureProtoDeps, PROTO_DEPS } from "./proto-deps.js";

/** Where the artifacts land inside the package. */
export const SCHEMA_PROTO_DIR = "proto";
export const SCHEMA_DESCRIPTOR_SET = "image.binpb";

/** Whether the package carries the schema artifacts. */
export function hasSchemaArtifacts(pj: PackageJson): boolean {
  return pj.schemaArtifacts === true;
}

/** The files the artifacts are made from (absolute paths, sorted): buf's config, proto/ and the dependency modules. */
export async function schemaArtifactInputs(root: string): Promise<string[]> {
  await ensureProtoDeps(root);
  const files = ["buf.yaml", "buf.lock"].filter((f) => existsSync(join(root, f))).map((f) => join(root, f));
  for (const dir of ["proto", ...PROTO_DEPS.map((m) => join(DEPS_DIR, m.name))]) {
    for (const f of listTree(join(root, dir))) if (f.endsWith(".proto")) files.push(join(root, dir, f));
  }
  return files.sort();
}

/** Where a file of the image comes from: proto/ or a dependency module; undefined for what buf itself provides. */
function sourceOf(root: string, name: string): string | undefined {
  for (const dir of ["proto", ...PROTO_DEPS.map((m) => join(DEPS_DIR, m.name))]) {
    const abs = join(root, dir, name);
    if (existsSync(abs)) return abs;
  }
  return undefined;
}

/**
 * Writes `outDir/image.binpb` and `outDir/proto/` from the working tree.
 * The proto tree is exactly the image's files minus google/protobuf/* (the
 * well-known types every compiler carries), so `buf build` over it resolves
 * every import.
 */
export async function writeSchemaArtifacts(root: string, outDir: string): Promise<{ files: number; bytes: number }> {
  await ensureProtoDeps(root);
  mkdirSync(outDir, { recursive: true });
  const image = join(outDir, SCHEMA_DESCRIPTOR_SET);
  // No input: the whole workspace of buf.yaml, our module and the dependency modules.
  const r = await run(bin("buf", root), ["build", "--as-file-descriptor-set", "-o", image], { cwd: root });
  if (r.code !== 0)
    throw new Error(`buf build (schema artifacts) failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`);
  const bytes = readFileSync(image);
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  const protoOut = join(outDir, SCHEMA_PROTO_DIR);
  rmSync(protoOut, { recursive: true, force: true });
  let files = 0;
  for (const f of set.file) {
    const src = sourceOf(root, f.name);
    if (!src) {
      if (f.name.startsWith("google/protobuf/")) continue;
      throw new Error(`schema artifacts: buf built ${f.name}, but it is in neither proto/ nor ${DEPS_DIR}/`);
    }
    mkdirSync(dirname(join(protoOut, f.name)), { recursive: true });
    copyFileSync(src, join(protoOut, f.name));
    files++;
  }
  return { files, bytes: bytes.length };
}

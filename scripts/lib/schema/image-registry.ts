// The one way the build scripts read the schema: a buf image (`buf build`:
// a FileDescriptorSet with source info, imports marked) decoded into
// @bufbuild/protobuf's FileRegistry. Packages, files, imports (with their
// lines), services and rpcs all come from the compiled descriptors, never from
// the .proto text: buf has resolved and checked them, and a malformed file
// fails at `buf build` with buf's own file:line:col.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { createFileRegistry, type DescFile, type FileRegistry } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { FileDescriptorProto, FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { buildBufImage, imageInputsKey, readBufImage } from "./buf-image.js";
import { ensureProtoDeps } from "../codegen/proto-deps.js";
import { repoRoot } from "../infra/repo.js";

/** The compiled schema of one revision: every file, and which of them are ours (not imports). */
export interface SchemaImage {
  registry: FileRegistry;
  /** Names of this repo's own files, e.g. "acme/greeter/v1/greeter.proto" (imports such as WKTs excluded). */
  ownFiles: Set<string>;
}

// buf's ImageFile is a FileDescriptorProto plus field 8042, an ImageFileExtension
// (buf.alpha.image.v1) whose field 1 is is_import. Decoded as a plain
// FileDescriptorSet, it is an unknown field of each file; it is read from there.
const BUF_IMAGE_EXTENSION = 8042;
const IS_IMPORT = 1;

/** Whether buf marked the file as an import (not a file of the module it built); false outside a buf image. */
export function isImportFile(file: FileDescriptorProto): boolean {
  for (const u of file.$unknown ?? []) {
    if (u.no !== BUF_IMAGE_EXTENSION || u.wireType !== WireType.LengthDelimited) continue;
    // The unknown field's data still holds its length prefix.
    const ext = new BinaryReader(new BinaryReader(u.data).bytes());
    while (ext.pos < ext.len) {
      const [no, wireType] = ext.tag();
      if (no === IS_IMPORT && wireType === WireType.Varint) return ext.bool();
      ext.skip(wireType, no);
    }
  }
  return false;
}

/**
 * A SchemaImage of a decoded image. Own files are those buf did not mark as
 * imports, unless `ownFiles` names them (a descriptor set without buf's marks).
 */
export function schemaImageOf(set: FileDescriptorSet, ownFiles?: Iterable<string>): SchemaImage {
  return {
    registry: createFileRegistry(set),
    ownFiles: new Set(ownFiles ?? set.file.filter((f) => !isImportFile(f)).map((f) => f.name)),
  };
}

/** Reads and decodes a buf image file (`buf build -o x.binpb`). */
export function readSchemaImage(path: string): SchemaImage {
  return schemaImageOf(readBufImage(path));
}

/** The repo's own files, sorted by name. */
export function ownFileDescs(schema: SchemaImage): DescFile[] {
  return [...schema.ownFiles].sort().map((name) => {
    const file = schema.registry.getFile(name);
    if (!file) throw new Error(`${name} is listed as an own file but is not in the image`);
    return file;
  });
}

/** FileDescriptorProto's `dependency` field: source info locates each import under [3, i]. */
const FILE_DEPENDENCY = 3;

/** A file's imports in declaration order, each with the 1-based line of its import statement (0 without source info). */
export function importsWithLines(file: DescFile): { name: string; line: number }[] {
  const lines = new Map<number, number>();
  for (const loc of file.proto.sourceCodeInfo?.location ?? []) {
    if (loc.path.length === 2 && loc.path[0] === FILE_DEPENDENCY) lines.set(loc.path[1], loc.span[0] + 1);
  }
  return file.proto.dependency.map((name, i) => ({ name, line: lines.get(i) ?? 0 }));
}

/** Where working-tree images are kept, one per content key (gitignored, beside the build's image). */
const TREE_IMAGE_DIR = join(".cache", "image");
const TREE_IMAGE = /^tree-[0-9a-f]+\.binpb(\.key)?$/;

const loaded = new Map<string, SchemaImage>();

/**
 * The working tree's image: compiled by `buf build` once per content of
 * proto/ (and buf's config and dependency modules) and kept under
 * .cache/image/, so that scripts run one after another compile it once.
 * Rejects with buf's own errors when the schema does not compile.
 */
export async function workingTreeImage(root = repoRoot): Promise<string> {
  await ensureProtoDeps(root);
  const dir = join(root, TREE_IMAGE_DIR);
  const file = join(dir, `tree-${imageInputsKey(root).slice(0, 32)}.binpb`);
  if (existsSync(file)) return file;
  await buildBufImage(root, file);
  // Older trees' images are of no further use.
  for (const e of readdirSync(dir))
    if (TREE_IMAGE.test(e) && !e.startsWith(basename(file))) rmSync(join(dir, e), { force: true });
  return file;
}

/** The working tree's schema (see workingTreeImage), decoded once per process and content. */
export async function workingTreeSchema(root = repoRoot): Promise<SchemaImage> {
  for (let attempt = 1; ; attempt++) {
    const file = await workingTreeImage(root);
    const known = loaded.get(file);
    if (known) return known;
    try {
      const schema = readSchemaImage(file);
      loaded.set(file, schema);
      return schema;
    } catch (err) {
      // Another process compiled a newer tree meanwhile and removed this image: compile it again.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || attempt > 1) throw err;
    }
  }
}

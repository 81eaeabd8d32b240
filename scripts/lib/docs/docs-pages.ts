// Keys for an incremental docs site: which package pages a schema change can
// alter. A package page shows its own files in full (comments included) and,
// from the rest of the schema, only names: type links, "Referenced by" lists
// and comment references resolve against every documented name. So a page's
// key is the hash of its package's file descriptors (source info included)
// and of the schema's shape (every descriptor without its source info). A
// comment change alters one package's key; a change to any declaration alters
// every key, and the whole site is rendered again, as before.
//
// The image is scanned on the wire, not decoded: each file's bytes are hashed
// as they are, which costs a fraction of building descriptor objects.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** FileDescriptorSet.file, and FileDescriptorProto's name, package and source_code_info field numbers. */
const SET_FILE = 1;
const FILE_NAME = 1;
const FILE_PACKAGE = 2;
const FILE_SOURCE_CODE_INFO = 9;

export interface PageKeys {
  /** Hash of every file descriptor without source info, in image order. */
  shape: string;
  /** Proto package -> hash of its files' descriptors (with source info), the files in image order. */
  packages: Map<string, string>;
}

/** Per-package page keys of a buf image (see the file comment). */
export function pageKeys(imagePath: string): PageKeys {
  const set = new BinaryReader(readFileSync(imagePath));
  const shape = createHash("sha256");
  const byPackage = new Map<string, ReturnType<typeof createHash>>();
  while (set.pos < set.len) {
    const [no, wt] = set.tag();
    if (no !== SET_FILE || wt !== WireType.LengthDelimited) {
      set.skip(wt, no);
      continue;
    }
    const bytes = set.bytes();
    const file = new BinaryReader(bytes);
    let name = "";
    let pkg = "";
    while (file.pos < file.len) {
      const start = file.pos;
      const [fno, fwt] = file.tag();
      if (fno === FILE_NAME && fwt === WireType.LengthDelimited) name = file.string();
      else if (fno === FILE_PACKAGE && fwt === WireType.LengthDelimited) pkg = file.string();
      else file.skip(fwt, fno);
      if (fno !== FILE_SOURCE_CODE_INFO) shape.update(bytes.subarray(start, file.pos));
    }
    shape.update(`\n${name}\n`);
    const h = byPackage.get(pkg) ?? createHash("sha256");
    byPackage.set(pkg, h.update(`${name}\n`).update(bytes));
  }
  return { shape: shape.digest("hex"), packages: new Map([...byPackage].map(([p, h]) => [p, h.digest("hex")])) };
}

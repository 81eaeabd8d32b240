import {
  toBinary,
  type DescEnum,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescMethod,
  type DescService,
} from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { SchemaImage } from "./schema-image.js";

export type ElementKind = "service" | "method" | "message" | "field" | "enum" | "enum value";

/** One named element of a schema, e.g. the field acme.payments.v1.Payment.note. */
export interface SchemaElement {
  kind: ElementKind;
  /** Fully qualified name, e.g. "acme.payments.v1.Payment.note". */
  name: string;
  /** Proto package, e.g. "acme.payments.v1". */
  pkg: string;
  /** File relative to proto/. */
  file: string;
  deprecated: boolean;
  /** A short description for the summary, e.g. "string note = 5". */
  detail?: string;
}

export interface SchemaDiff {
  /** Proto packages with any file added, removed or changed (comments included). */
  touchedPackages: string[];
  added: SchemaElement[];
  removed: SchemaElement[];
  /** Present on both sides and newly marked deprecated. */
  deprecated: SchemaElement[];
  /** Present on both sides with another shape (type, number, streaming) or in another file; as it is now. */
  changed: SchemaElement[];
}

function ownFiles(img: SchemaImage): DescFile[] {
  return [...img.registry.files].filter((f) => img.ownFiles.has(f.proto.name));
}

/** The field as it reads in a .proto file, e.g. "optional string note = 5". */
function fieldDetail(f: DescField): string {
  const named = (t: string) => t.replace(/^\./, "");
  let type: string;
  switch (f.fieldKind) {
    case "map": {
      const value =
        f.mapKind === "scalar" ? scalarName(f.scalar) : f.mapKind === "enum" ? f.enum.typeName : f.message.typeName;
      type = `map<${scalarName(f.mapKey)}, ${value}>`;
      break;
    }
    case "list":
      type = `repeated ${f.listKind === "scalar" ? scalarName(f.scalar) : named(f.proto.typeName)}`;
      break;
    case "scalar":
      type = `${f.proto.proto3Optional ? "optional " : ""}${scalarName(f.scalar)}`;
      break;
    default:
      type = `${f.proto.proto3Optional ? "optional " : ""}${named(f.proto.typeName)}`;
  }
  return `${type} ${f.name} = ${f.number}`;
}

const SCALARS: Record<number, string> = {
  1: "double",
  2: "float",
  3: "int64",
  4: "uint64",
  5: "int32",
  6: "fixed64",
  7: "fixed32",
  8: "bool",
  9: "string",
  12: "bytes",
  13: "uint32",
  15: "sfixed32",
  16: "sfixed64",
  17: "sint32",
  18: "sint64",
};

function scalarName(type: number): string {
  return SCALARS[type] ?? `type ${type}`;
}

/** A type's member (method, field or enum value), its kind, and its detail for the summary. */
type Member = [kind: ElementKind, member: { name: string; deprecated: boolean }, detail: string];

function membersOf(t: DescService | DescMessage | DescEnum): Member[] {
  switch (t.kind) {
    case "service":
      return t.methods.map((m): Member => ["method", m, methodDetail(m)]);
    case "message":
      return t.fields.map((f): Member => ["field", f, fieldDetail(f)]);
    case "enum":
      return t.values.map((v): Member => ["enum value", v, `${v.name} = ${v.number}`]);
  }
}

/** The method as it reads in a .proto file, e.g. "(stream Req) returns (Res)". */
function methodDetail(m: DescMethod): string {
  const clientStreams = m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming";
  const serverStreams = m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming";
  return `(${clientStreams ? "stream " : ""}${m.input.typeName}) returns (${serverStreams ? "stream " : ""}${m.output.typeName})`;
}

/** Every service, method, message, field, enum and enum value of the repo's own files, by full name. */
export function schemaElements(img: SchemaImage): Map<string, SchemaElement> {
  const out = new Map<string, SchemaElement>();
  const add = (e: SchemaElement) => out.set(`${e.kind}:${e.name}`, e);
  for (const file of ownFiles(img)) {
    const base = { pkg: file.proto.package, file: file.proto.name };
    for (const t of nestedTypes(file)) {
      if (t.kind === "extension") continue;
      add({ ...base, kind: t.kind, name: t.typeName, deprecated: t.deprecated });
      for (const [kind, m, detail] of membersOf(t))
        add({ ...base, kind, name: `${t.typeName}.${m.name}`, deprecated: m.deprecated, detail });
    }
  }
  return out;
}

const TOP_LEVEL = new Set<ElementKind>(["service", "message", "enum"]);

/** What changed from `base` to `head`, element by element. */
export function diffSchemas(base: SchemaImage, head: SchemaImage): SchemaDiff {
  const before = schemaElements(base);
  const after = schemaElements(head);
  const sorted = (xs: SchemaElement[]) =>
    xs.sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
  const added = sorted([...after].filter(([k]) => !before.has(k)).map(([, e]) => e));
  const removed = sorted([...before].filter(([k]) => !after.has(k)).map(([, e]) => e));
  const deprecated = sorted(
    [...after].filter(([k, e]) => e.deprecated && before.has(k) && !before.get(k)!.deprecated).map(([, e]) => e),
  );
  const changed: SchemaElement[] = [];
  for (const [k, e] of after) {
    const old = before.get(k);
    if (!old) continue;
    if (old.detail !== e.detail) changed.push(e);
    // A move between files (a rename) is listed once per top-level type; its members move with it.
    else if (old.file !== e.file && TOP_LEVEL.has(e.kind))
      changed.push({ ...e, detail: `moved from ${old.file} to ${e.file}` });
  }
  sorted(changed);
  return { touchedPackages: touchedPackages(base, head), added, removed, deprecated, changed };
}

/** Packages whose compiled files differ in any way, so a comment-only change counts too. */
function touchedPackages(base: SchemaImage, head: SchemaImage): string[] {
  const encode = (img: SchemaImage) =>
    new Map(
      ownFiles(img).map((f) => [
        f.proto.name,
        { pkg: f.proto.package, bytes: Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)) },
      ]),
    );
  const a = encode(base);
  const b = encode(head);
  const touched = new Set<string>();
  for (const [name, f] of b) if (!a.get(name)?.bytes.equals(f.bytes)) touched.add(f.pkg);
  for (const [name, f] of a) if (!b.has(name)) touched.add(f.pkg);
  return [...touched].sort();
}

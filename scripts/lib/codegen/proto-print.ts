// Prints a compiled .proto file (a DescFile) back as .proto source. It exists
// for one reason: buf/validate/validate.proto ships in no registry package,
// while @bufbuild/protovalidate ships its full FileDescriptorProto. buf needs
// source to compile our imports of it, so scripts/lib/codegen/proto-deps.ts prints
// that descriptor at install time. The output has no comments (the shipped
// descriptor has none); test/proto-deps.test.ts proves that compiling it
// gives back the same descriptor, custom options included.
import {
  getExtension,
  isFieldSet,
  ScalarType,
  type DescEnum,
  type DescExtension,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescService,
  type Message,
  type Registry,
} from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldDescriptorProtoSchema,
  type FieldDescriptorProto,
} from "@bufbuild/protobuf/wkt";

/** The .proto source of `file`. `registry` must know every extension used in its options. */
export function printProtoFile(file: DescFile, registry: Registry): string {
  const p = file.proto;
  if (p.syntax === "editions") throw new Error(`${p.name}: printing editions files is not supported`);
  const syntax = p.syntax === "proto3" ? "proto3" : "proto2";
  const out: string[] = [`syntax = "${syntax}";`, ""];
  if (p.package) out.push(`package ${p.package};`, "");
  for (const d of p.dependency) out.push(`import "${d}";`);
  if (p.dependency.length) out.push("");
  const fileOpts = optionList(p.options as Message | undefined, registry);
  for (const o of fileOpts) out.push(`option ${o};`);
  if (fileOpts.length) out.push("");
  for (const e of extensionsByExtendee(file.extensions, syntax, registry)) out.push(...e, "");
  for (const m of file.messages) out.push(...printMessage(m, syntax, registry, ""), "");
  for (const e of file.enums) out.push(...printEnum(e, registry, ""), "");
  for (const s of file.services) out.push(...printService(s, registry), "");
  return `${out.join("\n").replace(/\n+$/, "")}\n`;
}

function extensionsByExtendee(exts: DescExtension[], syntax: string, registry: Registry, indent = ""): string[][] {
  const groups = new Map<string, DescExtension[]>();
  for (const x of exts) {
    const key = x.proto.extendee;
    groups.set(key, [...(groups.get(key) ?? []), x]);
  }
  return [...groups.entries()].map(([extendee, list]) => [
    `${indent}extend ${extendee} {`,
    ...list.map(
      (x) =>
        `${indent}  ${fieldLine(x.proto, syntax, optionList(x.proto.options as Message | undefined, registry), true)}`,
    ),
    `${indent}}`,
  ]);
}

function printMessage(m: DescMessage, syntax: string, registry: Registry, indent: string): string[] {
  const p = m.proto;
  const out = [`${indent}message ${m.name} {`];
  const inner = `${indent}  `;
  for (const o of optionList(p.options as Message | undefined, registry)) out.push(`${inner}option ${o};`);
  // Nested types first: a map field's synthetic entry message then comes after them, as protoc orders it.
  for (const e of m.nestedEnums) out.push(...printEnum(e, registry, inner));
  for (const n of m.nestedMessages) out.push(...printMessage(n, syntax, registry, inner));
  const oneofs = new Map<number, string[]>();
  const body: string[] = [];
  for (const [i, f] of p.field.entries()) {
    const inOneof = isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) && !f.proto3Optional;
    const mapType = mapTypeOf(m, m.fields[i]);
    const line = fieldLine(f, syntax, fieldOptions(m, i, registry), false, inOneof, mapType);
    if (inOneof) {
      const idx = f.oneofIndex;
      if (!oneofs.has(idx)) {
        oneofs.set(idx, []);
        body.push(`\0oneof${idx}`);
      }
      oneofs.get(idx)!.push(line);
    } else body.push(line);
  }
  for (const b of body) {
    if (!b.startsWith("\0oneof")) {
      out.push(`${inner}${b}`);
      continue;
    }
    const idx = Number(b.slice("\0oneof".length));
    const decl = p.oneofDecl[idx];
    out.push(`${inner}oneof ${decl.name} {`);
    for (const o of optionList(decl.options as Message | undefined, registry)) out.push(`${inner}  option ${o};`);
    for (const l of oneofs.get(idx)!) out.push(`${inner}  ${l}`);
    out.push(`${inner}}`);
  }
  for (const r of p.extensionRange) {
    const opts = optionList(r.options as Message | undefined, registry);
    out.push(`${inner}extensions ${range(r.start, r.end, true)}${opts.length ? ` [${opts.join(", ")}]` : ""};`);
  }
  if (p.reservedRange.length)
    out.push(`${inner}reserved ${p.reservedRange.map((r) => range(r.start, r.end, false)).join(", ")};`);
  if (p.reservedName.length) out.push(`${inner}reserved ${p.reservedName.map((n) => quote(n)).join(", ")};`);
  for (const e of extensionsByExtendee(m.nestedExtensions, syntax, registry, inner)) out.push(...e);
  out.push(`${indent}}`);
  return out;
}

function printService(s: DescService, registry: Registry): string[] {
  const out = [`service ${s.name} {`];
  for (const o of optionList(s.proto.options as Message | undefined, registry)) out.push(`  option ${o};`);
  for (const m of s.proto.method) {
    const sig = `rpc ${m.name}(${m.clientStreaming ? "stream " : ""}${m.inputType}) returns (${m.serverStreaming ? "stream " : ""}${m.outputType})`;
    const opts = optionList(m.options as Message | undefined, registry);
    // `{}` and `;` differ in the descriptor: the braces set an (empty) options message.
    if (!m.options) out.push(`  ${sig};`);
    else out.push(`  ${sig} {`, ...opts.map((o) => `    option ${o};`), "  }");
  }
  out.push("}");
  return out;
}

function printEnum(e: DescEnum, registry: Registry, indent: string): string[] {
  const out = [`${indent}enum ${e.name} {`];
  for (const o of optionList(e.proto.options as Message | undefined, registry)) out.push(`${indent}  option ${o};`);
  for (const v of e.proto.value) {
    const opts = optionList(v.options as Message | undefined, registry);
    out.push(`${indent}  ${v.name} = ${v.number}${opts.length ? ` [${opts.join(", ")}]` : ""};`);
  }
  for (const r of e.proto.reservedRange) out.push(`${indent}  reserved ${range(r.start, r.end + 1, false)};`);
  if (e.proto.reservedName.length)
    out.push(`${indent}  reserved ${e.proto.reservedName.map((n) => quote(n)).join(", ")};`);
  out.push(`${indent}}`);
  return out;
}

// A range's end is exclusive in DescriptorProto.ReservedRange and ExtensionRange.
function range(start: number, endExclusive: number, extension: boolean): string {
  const end = endExclusive - 1;
  if (extension && end === 536870911) return `${start} to max`;
  return end === start ? `${start}` : `${start} to ${end}`;
}

const TYPE_NAMES: Partial<Record<FieldDescriptorProto_Type, string>> = {
  [FieldDescriptorProto_Type.DOUBLE]: "double",
  [FieldDescriptorProto_Type.FLOAT]: "float",
  [FieldDescriptorProto_Type.INT64]: "int64",
  [FieldDescriptorProto_Type.UINT64]: "uint64",
  [FieldDescriptorProto_Type.INT32]: "int32",
  [FieldDescriptorProto_Type.FIXED64]: "fixed64",
  [FieldDescriptorProto_Type.FIXED32]: "fixed32",
  [FieldDescriptorProto_Type.BOOL]: "bool",
  [FieldDescriptorProto_Type.STRING]: "string",
  [FieldDescriptorProto_Type.BYTES]: "bytes",
  [FieldDescriptorProto_Type.UINT32]: "uint32",
  [FieldDescriptorProto_Type.SFIXED32]: "sfixed32",
  [FieldDescriptorProto_Type.SFIXED64]: "sfixed64",
  [FieldDescriptorProto_Type.SINT32]: "sint32",
  [FieldDescriptorProto_Type.SINT64]: "sint64",
};

/** `map<K, V>` when the field is a map: its entry message is synthetic and printed no other way. */
function mapTypeOf(m: DescMessage, field: DescField): string | undefined {
  if (field.fieldKind !== "map") return undefined;
  // protobuf-es lists no DescMessage for the synthetic entry; its DescriptorProto is there.
  const entry = m.proto.nestedType.find((n) => `.${m.typeName}.${n.name}` === field.proto.typeName);
  if (!entry) throw new Error(`${m.typeName}.${field.name}: map entry message not found`);
  const [k, v] = entry.field;
  return `map<${TYPE_NAMES[k.type]}, ${TYPE_NAMES[v.type] ?? v.typeName}>`;
}

function fieldLine(
  f: FieldDescriptorProto,
  syntax: string,
  opts: string[] | undefined,
  extension = false,
  inOneof = false,
  mapType?: string,
): string {
  if (f.type === FieldDescriptorProto_Type.GROUP) throw new Error(`field ${f.name}: groups are not supported`);
  const type = mapType ?? TYPE_NAMES[f.type] ?? f.typeName;
  let label = "";
  if (mapType) label = "";
  else if (f.label === FieldDescriptorProto_Label.REPEATED) label = "repeated ";
  else if (f.label === FieldDescriptorProto_Label.REQUIRED) label = "required ";
  else if (!inOneof && (syntax === "proto2" || f.proto3Optional)) label = "optional ";
  const all = [...(opts ?? [])];
  if (f.defaultValue !== "" && f.defaultValue !== undefined) {
    const isString = f.type === FieldDescriptorProto_Type.STRING || f.type === FieldDescriptorProto_Type.BYTES;
    all.unshift(`default = ${isString ? quote(f.defaultValue) : f.defaultValue}`);
  }
  if (f.jsonName && f.jsonName !== protoCamelCase(f.name) && !extension)
    all.unshift(`json_name = ${quote(f.jsonName)}`);
  return `${label}${type} ${f.name} = ${f.number}${all.length ? ` [${all.join(", ")}]` : ""};`;
}

function fieldOptions(m: DescMessage, index: number, registry: Registry): string[] {
  return optionList(m.proto.field[index].options as Message | undefined, registry);
}

/** protoc's default json_name: snake_case to lowerCamelCase. */
function protoCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_/g, "");
}

/** `name = value` for each set option: the standard ones by name, extensions as `(full.name) = value`. */
function optionList(opts: Message | undefined, registry: Registry): string[] {
  if (!opts) return [];
  const r = reflect(registryMessage(opts, registry), opts);
  const out: string[] = [];
  for (const f of r.fields) {
    if (f.name === "uninterpreted_option" || f.name === "features" || !r.isSet(f)) continue;
    out.push(`${f.name} = ${textValue(r, f, registry)}`);
  }
  for (const ext of extensionsFor(opts, registry)) {
    const value = getExtension(opts, ext);
    out.push(
      `(${ext.typeName}) = ${ext.fieldKind === "message" ? textMessage(value as Message, ext.message, registry) : scalarText(value, ext)}`,
    );
  }
  return out;
}

function registryMessage(opts: Message, registry: Registry): DescMessage {
  const d = registry.getMessage(opts.$typeName);
  if (!d) throw new Error(`registry lacks ${opts.$typeName}`);
  return d;
}

/** The extensions set in an options message, read from its unknown fields. */
function extensionsFor(opts: Message, registry: Registry): DescExtension[] {
  const unknown = (opts as { $unknown?: { no: number }[] }).$unknown ?? [];
  const out: DescExtension[] = [];
  for (const no of [...new Set(unknown.map((u) => u.no))]) {
    const ext = registry.getExtensionFor(registryMessage(opts, registry), no);
    if (!ext) throw new Error(`${opts.$typeName}: option field ${no} is an extension the registry does not know`);
    out.push(ext);
  }
  return out;
}

function textValue(r: ReflectMessage, f: DescField, registry: Registry): string {
  switch (f.fieldKind) {
    case "scalar":
      return scalarText(r.get(f), f);
    case "enum":
      return enumText(f.enum, r.get(f) as number);
    case "message":
      return textMessage(r.get(f).message as Message, f.message, registry);
    default:
      throw new Error(`option ${f.name}: ${f.fieldKind} options are not supported`);
  }
}

/** A message literal in the protobuf text format, as options take it. */
function textMessage(msg: Message, desc: DescMessage, registry: Registry): string {
  const r = reflect(desc, msg);
  const parts: string[] = [];
  for (const f of r.fields) {
    if (!r.isSet(f)) continue;
    if (f.fieldKind === "list") {
      const items = [...r.get(f)].map((v) =>
        f.listKind === "message"
          ? textMessage((v as ReflectMessage).message as Message, f.message, registry)
          : f.listKind === "enum"
            ? enumText(f.enum, v as number)
            : scalarText(v, f),
      );
      parts.push(`${f.name}: [${items.join(", ")}]`);
    } else if (f.fieldKind === "map") {
      throw new Error(`option field ${f.name}: map values are not supported`);
    } else parts.push(`${f.name}: ${textValue(r, f, registry)}`);
  }
  return `{${parts.join(" ")}}`;
}

function enumText(e: DescEnum, n: number): string {
  return e.values.find((v) => v.number === n)?.name ?? String(n);
}

function scalarText(v: unknown, f: { scalar?: ScalarType }): string {
  if (typeof v === "string") return quote(v);
  if (v instanceof Uint8Array) return quoteBytes(v);
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (f.scalar === ScalarType.BOOL) return v ? "true" : "false";
  return String(v);
}

function quote(s: string): string {
  return quoteBytes(new TextEncoder().encode(s));
}

/** A text-format string literal: printable ASCII as is, everything else as octal escapes of its UTF-8 bytes. */
function quoteBytes(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += "\\\\";
    else if (c === 0x0a) s += "\\n";
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else s += `\\${c.toString(8).padStart(3, "0")}`;
  }
  return `${s}"`;
}

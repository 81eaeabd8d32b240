// The documentation model: protoc-gen-doc's Template, field for field (so
// tools built on its JSON keep working), plus extra keys it never had
// (deprecated, presence, map key/value types, oneof groups, editions...).
import { CommentIndex, isExcluded, PATH } from "./comments.js";
import type { HttpExtension } from "./http.js";
import {
  declaredExtensions,
  HTTP_EXTENSION,
  httpOption,
  VALIDATOR_EXTENSION,
  validatorOption,
} from "./option-extensions.js";
import { scalarValueTypes, type ScalarValue } from "./scalars.js";
import type {
  MessageProto as DescriptorProto,
  EnumProto as EnumDescriptorProto,
  FieldProto as FieldDescriptorProto,
  FileProto as FileDescriptorProto,
  ServiceProto as ServiceDescriptorProto,
} from "./descriptor.js";

// descriptor.proto's enum numbers (google.protobuf.FieldDescriptorProto, FeatureSet, Edition).
const Label = { OPTIONAL: 1, REQUIRED: 2, REPEATED: 3 } as const;
const Type = { GROUP: 10, MESSAGE: 11 } as const;
const TYPE_NAMES = [
  "",
  "double",
  "float",
  "int64",
  "uint64",
  "int32",
  "fixed64",
  "fixed32",
  "bool",
  "string",
  "group",
  "message",
  "bytes",
  "uint32",
  "enum",
  "sfixed32",
  "sfixed64",
  "sint32",
  "sint64",
];
const Presence = { EXPLICIT: 1, IMPLICIT: 2, LEGACY_REQUIRED: 3 } as const;
const EDITION_NAMES: Record<number, string> = { 998: "PROTO2", 999: "PROTO3", 1000: "2023", 1001: "2024" };

export type Options = Record<string, unknown>;

export interface Template {
  files: File[];
  scalarValueTypes: ScalarValue[];
}

export interface File {
  name: string;
  description: string;
  package: string;
  hasEnums: boolean;
  hasExtensions: boolean;
  hasMessages: boolean;
  hasServices: boolean;
  enums: Enum[];
  extensions: FileExtension[];
  messages: Message[];
  services: Service[];
  options?: Options;
  // extras
  /** "proto2", "proto3" or "editions". */
  syntax: string;
  /** "2023" for editions files, "" otherwise. */
  edition: string;
  /** Comment on the package statement. */
  packageDescription: string;
  deprecated: boolean;
}

export interface FileExtension {
  name: string;
  longName: string;
  fullName: string;
  description: string;
  label: string;
  type: string;
  longType: string;
  fullType: string;
  number: number;
  defaultValue: string;
  containingType: string;
  containingLongType: string;
  containingFullType: string;
  options?: Options;
  deprecated: boolean;
}

export interface MessageExtension extends FileExtension {
  scopeType: string;
  scopeLongType: string;
  scopeFullType: string;
}

export interface Message {
  name: string;
  longName: string;
  fullName: string;
  description: string;
  hasExtensions: boolean;
  hasFields: boolean;
  hasOneofs: boolean;
  extensions: MessageExtension[];
  fields: MessageField[];
  options?: Options;
  // extras
  deprecated: boolean;
  /** A synthetic XxxEntry message of a map field (kept for compatibility; the site hides it). */
  isMapEntry: boolean;
  /** Comments above the element but apart from it (blank line between); each its own paragraph on the site. */
  detachedComments: string[];
  oneofs: Oneof[];
}

export interface Oneof {
  name: string;
  description: string;
  /** Names of the member fields, in declaration order. */
  fields: string[];
}

export interface MessageField {
  name: string;
  description: string;
  label: string;
  type: string;
  longType: string;
  fullType: string;
  ismap: boolean;
  isoneof: boolean;
  oneofdecl: string;
  defaultValue: string;
  options?: Options;
  // extras
  number: number;
  jsonName: string;
  deprecated: boolean;
  /** "explicit" (has/clear), "implicit" (zero means unset), "required", or "repeated" for lists and maps. */
  presence: "explicit" | "implicit" | "required" | "repeated";
  /** Declared with the proto3 `optional` keyword. */
  proto3Optional: boolean;
  /** For maps: the key and value types, e.g. string and acme.v1.Item. */
  mapKeyType?: string;
  mapValueType?: string;
  mapValueLongType?: string;
  mapValueFullType?: string;
}

export interface Enum {
  name: string;
  longName: string;
  fullName: string;
  description: string;
  values: EnumValue[];
  options?: Options;
  deprecated: boolean;
  detachedComments: string[];
}

export interface EnumValue {
  name: string;
  number: string;
  description: string;
  options?: Options;
  deprecated: boolean;
}

export interface Service {
  name: string;
  longName: string;
  fullName: string;
  description: string;
  methods: ServiceMethod[];
  options?: Options;
  deprecated: boolean;
  detachedComments: string[];
}

export interface ServiceMethod {
  name: string;
  description: string;
  requestType: string;
  requestLongType: string;
  requestFullType: string;
  requestStreaming: boolean;
  responseType: string;
  responseLongType: string;
  responseFullType: string;
  responseStreaming: boolean;
  options?: Options;
  deprecated: boolean;
  /** The google.api.http annotation, when present (also in options["google.api.http"] as protoc-gen-doc has it). */
  http?: HttpExtension;
}

const baseName = (name: string) => name.slice(name.lastIndexOf(".") + 1);
const stripDot = (name: string) => (name.startsWith(".") ? name.slice(1) : name);
const longOf = (fullName: string, pkg: string) =>
  pkg && fullName.startsWith(`${pkg}.`) ? fullName.slice(pkg.length + 1) : fullName;
/** Go's long name where it keeps protoc's leading dot for another package's type (method types, extendees). */
const dottedLongOf = (fullName: string, pkg: string) =>
  pkg && fullName.startsWith(`${pkg}.`) ? fullName.slice(pkg.length + 1) : `.${fullName}`;

function options(deprecated: boolean | undefined, extra?: Options): Options | undefined {
  const out: Options = {};
  if (deprecated) out.deprecated = true;
  Object.assign(out, extra);
  return Object.keys(out).length ? out : undefined;
}

/** protoc-gen-doc's (type, longType, fullType) of a field or extension. */
function typeTriple(f: FieldDescriptorProto, pkg: string): [string, string, string] {
  if (f.typeName) {
    const full = stripDot(f.typeName);
    return [baseName(full), longOf(full, pkg), full];
  }
  const scalar = TYPE_NAMES[f.type] ?? String(f.type);
  return [scalar, scalar, scalar];
}

function syntaxOf(file: FileDescriptorProto): string {
  if (file.syntax === "editions") return "editions";
  return file.syntax === "proto3" ? "proto3" : "proto2";
}

/**
 * Builds the model for the files to generate; `allFiles` must hold them and every dependency.
 * `sort: false` keeps each file's messages, enums, extensions and services in declaration order.
 */
export function buildTemplate(
  allFiles: FileDescriptorProto[],
  fileNames: string[],
  exclude: RegExp[] = [],
  { sort = true }: { sort?: boolean } = {},
): Template {
  const known = declaredExtensions(allFiles);
  const byName = new Map(allFiles.map((f) => [f.name, f]));
  const files: File[] = [];
  for (const name of fileNames) {
    if (exclude.some((re) => re.test(name))) continue;
    const proto = byName.get(name);
    if (!proto) throw new Error(`file to generate ${name} is missing from the request's proto_file list`);
    const file = buildFile(proto, known, sort);
    if (file) files.push(file);
  }
  return { files, scalarValueTypes: scalarValueTypes() };
}

function buildFile(proto: FileDescriptorProto, known: Set<string>, sort: boolean): File | undefined {
  const comments = new CommentIndex(proto);
  const pkg = proto.package;
  const syntax = syntaxOf(proto);
  const description =
    comments.description([PATH.file.syntax]) ||
    (syntax === "editions" ? comments.description([PATH.file.edition]) : "");
  if (isExcluded(description)) return undefined;
  const ctx: Ctx = { proto, known, comments, pkg, syntax };
  const filePresence = featurePresence(proto.options?.features);

  const enums: Enum[] = [];
  const messages: Message[] = [];
  for (const [i, e] of proto.enumType.entries()) pushEnum(enums, e, pkg, [PATH.file.enum, i], ctx);
  // Go's hasEnums counts the file's top-level enums only, though its list holds nested ones too.
  const hasEnums = enums.length > 0;
  const addMessage = (m: DescriptorProto, prefix: string, path: number[], inherited: number) => {
    const fullName = prefix ? `${prefix}.${m.name}` : m.name;
    const presence = featurePresence(m.options?.features) || inherited;
    const msg = buildMessage(m, fullName, path, ctx, presence);
    if (!msg) return; // @exclude hides the message and everything nested in it
    messages.push(msg);
    for (const [i, e] of m.enumType.entries()) pushEnum(enums, e, fullName, [...path, PATH.message.enum, i], ctx);
    for (const [i, n] of m.nestedType.entries()) addMessage(n, fullName, [...path, PATH.message.nested, i], presence);
  };
  for (const [i, m] of proto.messageType.entries())
    addMessage(m, pkg, [PATH.file.message, i], filePresence || Presence.EXPLICIT);

  const extensions: FileExtension[] = [];
  proto.extension.forEach((x, i) => {
    const ext = buildExtension(x, [PATH.file.extension, i], ctx);
    if (ext) extensions.push(ext);
  });
  const services: Service[] = [];
  proto.service.forEach((s, i) => {
    const svc = buildService(s, [PATH.file.service, i], ctx);
    if (svc) services.push(svc);
  });

  const byLong = <T extends { longName: string }>(a: T, b: T) =>
    a.longName < b.longName ? -1 : a.longName > b.longName ? 1 : 0;
  if (sort) {
    enums.sort(byLong);
    extensions.sort(byLong);
    messages.sort(byLong);
    services.sort(byLong);
  }
  const deprecated = proto.options?.deprecated === true;
  return {
    name: proto.name,
    description,
    package: pkg,
    hasEnums,
    hasExtensions: extensions.length > 0,
    hasMessages: messages.length > 0,
    hasServices: services.length > 0,
    enums,
    extensions,
    messages,
    services,
    options: options(deprecated),
    syntax,
    edition: syntax === "editions" ? (EDITION_NAMES[proto.edition] ?? String(proto.edition)) : "",
    packageDescription: comments.description([PATH.file.package]),
    deprecated,
  };
}

// An unset enum in proto2's descriptor.proto reads as 0 (unknown): 0 means "inherit".
function featurePresence(features: { fieldPresence?: number } | undefined): number {
  return features?.fieldPresence ?? 0;
}

interface Ctx {
  proto: FileDescriptorProto;
  /** Custom options declared in the request that the model extracts (google.api.http, validator.field). */
  known: Set<string>;
  comments: CommentIndex;
  pkg: string;
  syntax: string;
}

function pushEnum(out: Enum[], e: EnumDescriptorProto, prefix: string, path: number[], ctx: Ctx): void {
  const description = ctx.comments.description(path);
  if (isExcluded(description)) return;
  const fullName = prefix ? `${prefix}.${e.name}` : e.name;
  const values: EnumValue[] = [];
  e.value.forEach((v, i) => {
    const d = ctx.comments.description([...path, PATH.enum.value, i]);
    if (isExcluded(d)) return;
    values.push({
      name: v.name,
      number: String(v.number),
      description: d,
      options: options(v.options?.deprecated),
      deprecated: v.options?.deprecated === true,
    });
  });
  const deprecated = e.options?.deprecated === true;
  out.push({
    name: e.name,
    longName: longOf(fullName, ctx.pkg),
    fullName,
    description,
    values,
    options: options(deprecated),
    deprecated,
    detachedComments: ctx.comments.detached(path),
  });
}

function buildMessage(
  m: DescriptorProto,
  fullName: string,
  path: number[],
  ctx: Ctx,
  presence: number,
): Message | undefined {
  const description = ctx.comments.description(path);
  if (isExcluded(description)) return undefined;
  const fields: MessageField[] = [];
  const realOneofs = m.oneofDecl.map((o, i) => ({ decl: o, index: i, synthetic: isSyntheticOneof(m, i) }));
  const oneofs: Oneof[] = realOneofs
    .filter((o) => !o.synthetic)
    .map((o) => ({
      name: o.decl.name,
      description: ctx.comments.description([...path, PATH.message.oneof, o.index]),
      fields: [],
    }));
  m.field.forEach((f, i) => {
    const d = ctx.comments.description([...path, PATH.message.field, i]);
    if (isExcluded(d)) return;
    const field = buildField(f, d, m, ctx, presence);
    fields.push(field);
    if (field.isoneof) oneofs.find((o) => o.name === field.oneofdecl)?.fields.push(field.name);
  });
  const extensions: MessageExtension[] = [];
  m.extension.forEach((x, i) => {
    const ext = buildExtension(x, [...path, PATH.message.extension, i], ctx);
    if (ext)
      extensions.push({ ...ext, scopeType: m.name, scopeLongType: longOf(fullName, ctx.pkg), scopeFullType: fullName });
  });
  const deprecated = m.options?.deprecated === true;
  return {
    name: m.name,
    longName: longOf(fullName, ctx.pkg),
    fullName,
    description,
    hasExtensions: extensions.length > 0,
    hasFields: fields.length > 0,
    hasOneofs: oneofs.length > 0,
    extensions,
    fields,
    options: options(deprecated),
    deprecated,
    isMapEntry: m.options?.mapEntry === true,
    detachedComments: ctx.comments.detached(path),
    oneofs: oneofs.filter((o) => o.fields.length > 0),
  };
}

// descriptor.proto is proto2, so an unset oneof_index reads as 0: ask whether it is set.
function oneofIndexOf(f: FieldDescriptorProto): number | undefined {
  // Own property only when set, in protobuf-es's messages and in ours (descriptor.ts).
  return Object.hasOwn(f, "oneofIndex") ? f.oneofIndex : undefined;
}

function isSyntheticOneof(m: DescriptorProto, index: number): boolean {
  const members = m.field.filter((f) => oneofIndexOf(f) === index);
  return members.length === 1 && members[0].proto3Optional === true;
}

const isMessageType = (f: FieldDescriptorProto) => f.type === Type.MESSAGE || f.type === Type.GROUP;

/** Field presence as protobuf defines it, resolved through editions features (field, then message, then file). */
function presenceOf(f: FieldDescriptorProto, oneof: boolean, ctx: Ctx, inherited: number): MessageField["presence"] {
  if (f.label === Label.REPEATED) return "repeated";
  if (f.label === Label.REQUIRED) return "required";
  if (isMessageType(f) || oneof || f.proto3Optional) return "explicit";
  if (ctx.syntax === "proto2") return "explicit";
  if (ctx.syntax === "proto3") return "implicit";
  const p = featurePresence(f.options?.features) || inherited;
  return p === Presence.IMPLICIT ? "implicit" : p === Presence.LEGACY_REQUIRED ? "required" : "explicit";
}

function labelOf(f: FieldDescriptorProto, presence: MessageField["presence"], oneof: boolean, ctx: Ctx): string {
  if (f.label === Label.REPEATED) return "repeated";
  if (ctx.syntax === "proto3") return f.proto3Optional ? "optional" : "";
  if (ctx.syntax === "proto2") return f.label === Label.REQUIRED ? "required" : "optional";
  // Editions: say what the equivalent proto2/proto3 declaration would.
  if (presence === "required") return "required";
  if (presence === "explicit" && !isMessageType(f) && !oneof) return "optional";
  return "";
}

function buildField(
  f: FieldDescriptorProto,
  description: string,
  m: DescriptorProto,
  ctx: Ctx,
  inherited: number,
): MessageField {
  const [type, longType, fullType] = typeTriple(f, ctx.pkg);
  const oneofIndex = oneofIndexOf(f);
  const isoneof = oneofIndex !== undefined && !isSyntheticOneof(m, oneofIndex);
  const presence = presenceOf(f, isoneof, ctx, inherited);
  const mapEntry =
    f.label === Label.REPEATED && isMessageType(f)
      ? m.nestedType.find((n) => n.name === type && n.options?.mapEntry)
      : undefined;
  const deprecated = f.options?.deprecated === true;
  const validator = ctx.known.has(VALIDATOR_EXTENSION.name) ? validatorOption(f.options) : undefined;
  const field: MessageField = {
    name: f.name,
    description,
    label: labelOf(f, presence, isoneof, ctx),
    type,
    longType,
    fullType,
    ismap: mapEntry !== undefined,
    isoneof,
    oneofdecl: isoneof ? m.oneofDecl[oneofIndex!].name : "",
    defaultValue: f.defaultValue ?? "",
    options: options(deprecated, validator ? { [VALIDATOR_EXTENSION.name]: validator } : undefined),
    number: f.number,
    jsonName: f.jsonName || f.name,
    deprecated,
    presence,
    proto3Optional: f.proto3Optional === true,
  };
  if (mapEntry) {
    const entry = mapEntry;
    const key = entry?.field.find((x) => x.number === 1);
    const value = entry?.field.find((x) => x.number === 2);
    if (key && value) {
      field.mapKeyType = typeTriple(key, ctx.pkg)[0];
      [field.mapValueType, field.mapValueLongType, field.mapValueFullType] = typeTriple(value, ctx.pkg);
    }
  }
  return field;
}

function buildExtension(x: FieldDescriptorProto, path: number[], ctx: Ctx): FileExtension | undefined {
  const description = ctx.comments.description(path);
  if (isExcluded(description)) return undefined;
  const [type, longType, fullType] = typeTriple(x, ctx.pkg);
  const extendee = stripDot(x.extendee ?? "");
  // Go names an extension after the message it extends, not where it is
  // declared: "Legacy.tags", or ".google.protobuf.MethodOptions.http" (long
  // and full name alike) when that message is in another package.
  const containingLongType = dottedLongOf(extendee, ctx.pkg);
  const longName = `${containingLongType}.${x.name}`;
  const fullName = longName.startsWith(".") || !ctx.pkg ? longName : `${ctx.pkg}.${longName}`;
  const deprecated = x.options?.deprecated === true;
  const label =
    x.label === Label.REPEATED
      ? "repeated"
      : ctx.syntax === "proto3" && !x.proto3Optional
        ? ""
        : x.label === Label.REQUIRED
          ? "required"
          : "optional";
  return {
    name: x.name,
    longName,
    fullName,
    description,
    label,
    type,
    longType,
    fullType,
    number: x.number,
    defaultValue: x.defaultValue ?? "",
    containingType: baseName(extendee),
    containingLongType,
    containingFullType: extendee,
    options: options(deprecated),
    deprecated,
  };
}

function buildService(s: ServiceDescriptorProto, path: number[], ctx: Ctx): Service | undefined {
  const description = ctx.comments.description(path);
  if (isExcluded(description)) return undefined;
  const fullName = ctx.pkg ? `${ctx.pkg}.${s.name}` : s.name;
  const methods: ServiceMethod[] = [];
  s.method.forEach((m, i) => {
    const d = ctx.comments.description([...path, PATH.service.method, i]);
    if (isExcluded(d)) return;
    const input = stripDot(m.inputType ?? "");
    const output = stripDot(m.outputType ?? "");
    const deprecated = m.options?.deprecated === true;
    const http = ctx.known.has(HTTP_EXTENSION.name) ? httpOption(m.options) : undefined;
    const extra: Options = {};
    if (m.options?.idempotencyLevel)
      extra.idempotency_level = ["IDEMPOTENCY_UNKNOWN", "NO_SIDE_EFFECTS", "IDEMPOTENT"][m.options.idempotencyLevel];
    if (http) extra["google.api.http"] = http;
    methods.push({
      name: m.name,
      description: d,
      requestType: baseName(input),
      requestLongType: dottedLongOf(input, ctx.pkg),
      requestFullType: input,
      requestStreaming: m.clientStreaming === true,
      responseType: baseName(output),
      responseLongType: dottedLongOf(output, ctx.pkg),
      responseFullType: output,
      responseStreaming: m.serverStreaming === true,
      options: options(deprecated, extra),
      deprecated,
      ...(http ? { http } : {}),
    });
  });
  const deprecated = s.options?.deprecated === true;
  return {
    name: s.name,
    longName: longOf(fullName, ctx.pkg),
    fullName,
    description,
    methods,
    options: options(deprecated),
    deprecated,
    detachedComments: ctx.comments.detached(path),
  };
}

// Small schemas built in memory, as buf would compile them, for the unit
// tests of the scripts that read a buf image (no buf process, no temp repo).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  type DescriptorProto,
  DescriptorProtoSchema,
  type FieldDescriptorProto,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldDescriptorProtoSchema,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  ServiceDescriptorProtoSchema,
  SourceCodeInfo_LocationSchema,
} from "@bufbuild/protobuf/wkt";
import { type SchemaImage, schemaImageOf } from "../../scripts/lib/schema/image-registry.js";

export interface FieldSpec {
  name: string;
  number: number;
  /** A scalar type name ("string", "int64", ...) or a message's full name with its leading dot. */
  type: string;
  repeated?: boolean;
  deprecated?: boolean;
}

export interface MethodSpec {
  name: string;
  /** Full names with their leading dot, e.g. ".acme.shop.v1.GetItemRequest". */
  input: string;
  output: string;
  clientStreaming?: boolean;
  serverStreaming?: boolean;
}

export interface FileSpec {
  name: string;
  package: string;
  /** Imported files; the i-th import statement is on line `3 + i` (1-based) in the source info. */
  imports?: string[];
  messages?: { name: string; fields?: FieldSpec[]; deprecated?: boolean }[];
  services?: { name: string; methods: MethodSpec[] }[];
  /** A leading comment on the first message (a change to it changes only the source info). */
  comment?: string;
  /** Marked as an import the way buf marks it in an image. */
  isImport?: boolean;
}

const SCALAR: Record<string, FieldDescriptorProto_Type> = {
  string: FieldDescriptorProto_Type.STRING,
  int32: FieldDescriptorProto_Type.INT32,
  int64: FieldDescriptorProto_Type.INT64,
  bool: FieldDescriptorProto_Type.BOOL,
  bytes: FieldDescriptorProto_Type.BYTES,
};

function field(f: FieldSpec): FieldDescriptorProto {
  const scalar = SCALAR[f.type];
  return create(FieldDescriptorProtoSchema, {
    name: f.name,
    number: f.number,
    jsonName: f.name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
    label: f.repeated ? FieldDescriptorProto_Label.REPEATED : FieldDescriptorProto_Label.OPTIONAL,
    type: scalar ?? FieldDescriptorProto_Type.MESSAGE,
    ...(scalar ? {} : { typeName: f.type }),
    ...(f.deprecated ? { options: { deprecated: true } } : {}),
  });
}

function method(m: MethodSpec) {
  return {
    name: m.name,
    inputType: m.input,
    outputType: m.output,
    clientStreaming: m.clientStreaming ?? false,
    serverStreaming: m.serverStreaming ?? false,
  };
}

/** buf's ImageFileExtension { is_import: true }, as field 8042 of the file on the wire. */
function withImportMark(file: FileDescriptorProto): FileDescriptorProto {
  const mark = new BinaryWriter().tag(1, WireType.Varint).bool(true).finish();
  const bytes = new BinaryWriter().tag(8042, WireType.LengthDelimited).bytes(mark).finish();
  const wire = toBinary(FileDescriptorProtoSchema, file);
  const joined = new Uint8Array(wire.length + bytes.length);
  joined.set(wire);
  joined.set(bytes, wire.length);
  return fromBinary(FileDescriptorProtoSchema, joined);
}

/** A FileDescriptorProto as buf compiles it (proto3, with source info for its imports). */
export function fileProto(spec: FileSpec): FileDescriptorProto {
  const imports = spec.imports ?? [];
  const file = create(FileDescriptorProtoSchema, {
    name: spec.name,
    package: spec.package,
    syntax: "proto3",
    dependency: imports,
    messageType: (spec.messages ?? []).map(
      (m): DescriptorProto =>
        create(DescriptorProtoSchema, {
          name: m.name,
          field: (m.fields ?? []).map(field),
          ...(m.deprecated ? { options: { deprecated: true } } : {}),
        }),
    ),
    service: (spec.services ?? []).map((s) =>
      create(ServiceDescriptorProtoSchema, { name: s.name, method: s.methods.map(method) }),
    ),
    sourceCodeInfo: {
      location: [
        ...imports.map((_, i) => create(SourceCodeInfo_LocationSchema, { path: [3, i], span: [2 + i, 0, 20] })),
        ...(spec.comment
          ? [create(SourceCodeInfo_LocationSchema, { path: [4, 0], span: [10, 0, 1], leadingComments: spec.comment })]
          : []),
      ],
    },
  });
  return spec.isImport ? withImportMark(file) : file;
}

/** A schema of the given files, in dependency order; own files are those not marked as imports. */
export function schemaOf(files: FileSpec[]): SchemaImage {
  return schemaImageOf(create(FileDescriptorSetSchema, { file: files.map(fileProto) }));
}

/** google/protobuf/empty.proto as an import, for schemas that use it. */
export const EMPTY_PROTO: FileSpec = {
  name: "google/protobuf/empty.proto",
  package: "google.protobuf",
  messages: [{ name: "Empty" }],
  isImport: true,
};

import { toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * What server reflection answers from: the files of the served services and
 * everything they import, indexed by file name, by fully-qualified symbol
 * and by extended message + extension number. Built once, from the
 * services' own descriptors (the ones the generated code embeds).
 */
export interface DescriptorIndex {
  /** Fully-qualified names of the served services, sorted. */
  readonly serviceNames: readonly string[];
  fileByName(name: string): DescFile | undefined;
  /** The file declaring a message, enum, enum value, field, oneof, extension, service or method. */
  fileContainingSymbol(name: string): DescFile | undefined;
  fileContainingExtension(extendee: string, number: number): DescFile | undefined;
  /** Numbers of the known extensions of a message; undefined when the message is unknown. */
  extensionNumbersOf(extendee: string): number[] | undefined;
  /** `file` and every file it imports, directly or not, each once, the file itself first. */
  withDependencies(file: DescFile): DescFile[];
  /** The wire form of a file's FileDescriptorProto (computed once per file). */
  encode(file: DescFile): Uint8Array;
}

export function createDescriptorIndex(services: Iterable<DescService>): DescriptorIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();
  const extensions = new Map<string, Map<number, DescFile>>();
  const serviceNames = new Set<string>();
  const encoded = new WeakMap<DescFile, Uint8Array>();

  const addFile = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const dep of file.dependencies) addFile(dep);
    const pkg = file.proto.package;
    for (const t of nestedTypes(file)) {
      symbols.set(t.typeName, file);
      switch (t.kind) {
        case "message":
          messages.add(t.typeName);
          for (const f of t.fields) symbols.set(`${t.typeName}.${f.name}`, file);
          for (const o of t.oneofs) symbols.set(`${t.typeName}.${o.name}`, file);
          break;
        case "enum": {
          // Enum values are scoped like their enum, not inside it (C++ scoping rules).
          const scope = t.parent ? t.parent.typeName : pkg;
          for (const v of t.values) symbols.set(scope ? `${scope}.${v.name}` : v.name, file);
          break;
        }
        case "extension": {
          let byNumber = extensions.get(t.extendee.typeName);
          if (!byNumber) {
            byNumber = new Map();
            extensions.set(t.extendee.typeName, byNumber);
          }
          byNumber.set(t.number, file);
          break;
        }
        case "service":
          for (const m of t.methods) symbols.set(`${t.typeName}.${m.name}`, file);
          break;
      }
    }
  };
  for (const s of services) {
    serviceNames.add(s.typeName);
    addFile(s.file);
  }
  const sortedServices = [...serviceNames].sort();

  return {
    serviceNames: sortedServices,
    fileByName: (name) => files.get(name),
    fileContainingSymbol: (name) => symbols.get(name.startsWith(".") ? name.slice(1) : name),
    fileContainingExtension: (extendee, number) => extensions.get(extendee)?.get(number),
    extensionNumbersOf(extendee) {
      if (!messages.has(extendee)) return undefined;
      return [...(extensions.get(extendee)?.keys() ?? [])].sort((a, b) => a - b);
    },
    withDependencies(file) {
      const out: DescFile[] = [];
      const seen = new Set<string>();
      const visit = (f: DescFile) => {
        if (seen.has(f.proto.name)) return;
        seen.add(f.proto.name);
        out.push(f);
        for (const d of f.dependencies) visit(d);
      };
      visit(file);
      return out;
    },
    encode(file) {
      let bytes = encoded.get(file);
      if (!bytes) {
        bytes = toBinary(FileDescriptorProtoSchema, file.proto);
        encoded.set(file, bytes);
      }
      return bytes;
    },
  };
}

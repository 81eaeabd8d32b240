// Copied into gen/file-registry.ts by `npm run generate` (fileRegistryModule() in package-plan.ts), under
// an "@generated" header: the barrel of every proto package builds its `registry` with it. It is kept here
// as a real module, type-checked and linted; the copy in gen/ is what the packages compile.

import { createRegistry, type DescFile, type FileRegistry } from "@bufbuild/protobuf";

/**
 * A FileRegistry of the given files and every file they import, holding the
 * generated code's own descriptors, so that
 * `registry.getMessage("acme.payments.v1.Payment") === PaymentSchema`.
 * (createFileRegistry() takes FileDescriptorProtos and builds new descriptors.)
 * Files come imports first, as protoc orders a FileDescriptorSet.
 */
export function fileRegistry(...roots: DescFile[]): FileRegistry {
  const files = new Map<string, DescFile>();
  // Proto imports have no cycles (protoc refuses them), so a depth-first walk ends.
  const add = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    for (const dep of file.dependencies) add(dep);
    files.set(file.proto.name, file);
  };
  for (const file of roots) add(file);
  const types = createRegistry(...files.values());
  return {
    kind: "registry",
    get files() {
      return files.values();
    },
    getFile: (name) => files.get(name),
    [Symbol.iterator]: () => types[Symbol.iterator](),
    get: (typeName) => types.get(typeName),
    getMessage: (typeName) => types.getMessage(typeName),
    getEnum: (typeName) => types.getEnum(typeName),
    getExtension: (typeName) => types.getExtension(typeName),
    getExtensionFor: (extendee, no) => types.getExtensionFor(extendee, no),
    getService: (typeName) => types.getService(typeName),
  };
}

import { create, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from "@connectrpc/connect";
import { createDescriptorIndex, type DescriptorIndex } from "./descriptor-index.js";
import { v1, v1alpha } from "./gen.js";

type Request = v1.ServerReflectionRequest;
type ResponseInit = MessageInitShape<typeof v1.ServerReflectionResponseSchema>;

/**
 * The answer to one reflection request. File answers carry the file and
 * its transitive imports, less those already sent on this stream (which the
 * protocol allows, and grpc-go does): `sent` is the stream's memory of them.
 */
export function answer(index: DescriptorIndex, req: Request, sent: Set<string>): ResponseInit["messageResponse"] {
  const files = (file: ReturnType<DescriptorIndex["fileByName"]>, what: string): ResponseInit["messageResponse"] => {
    if (!file) return notFound(what);
    const out: Uint8Array[] = [];
    for (const f of index.withDependencies(file)) {
      // The file asked for always goes; its imports only if not sent before.
      if (f !== file && sent.has(f.proto.name)) continue;
      sent.add(f.proto.name);
      out.push(index.encode(f));
    }
    return { case: "fileDescriptorResponse", value: { fileDescriptorProto: out } };
  };
  const r = req.messageRequest;
  switch (r.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(index.fileByName(r.value), `file ${JSON.stringify(r.value)}`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(r.value), `symbol ${JSON.stringify(r.value)}`);
    case "fileContainingExtension":
      return files(
        index.fileContainingExtension(r.value.containingType, r.value.extensionNumber),
        `extension ${r.value.extensionNumber} of ${JSON.stringify(r.value.containingType)}`,
      );
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(r.value);
      if (!numbers) return notFound(`message type ${JSON.stringify(r.value)}`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: r.value, extensionNumber: numbers } };
    }
    default:
      throw new ConnectError(
        "reflection request sets none of file_by_filename, file_containing_symbol, file_containing_extension, all_extension_numbers_of_type, list_services",
        Code.InvalidArgument,
      );
  }
}

function notFound(what: string): ResponseInit["messageResponse"] {
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: `${what} not found` } };
}

function impl(
  schema: typeof v1.ServerReflectionResponseSchema,
  index: () => DescriptorIndex,
): ServiceImpl<typeof v1.ServerReflection> {
  return {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const req of requests) {
        yield create(schema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: answer(index(), req, sent),
        });
      }
    },
  };
}

/** The reflection services, v1 and v1alpha. */
export const REFLECTION_SERVICES: readonly DescService[] = [v1.ServerReflection, v1alpha.ServerReflection];

/**
 * Registers grpc.reflection.v1.ServerReflection and its v1alpha predecessor
 * (still what many tools ask first) on `router`. They describe every
 * service the router serves when the first request comes, themselves
 * included, so register them in the same routes function as the rest.
 */
export function registerReflection(router: ConnectRouter): void {
  let index: DescriptorIndex | undefined;
  const get = () => (index ??= createDescriptorIndex(new Set(router.handlers.map((h) => h.service))));
  router.service(v1.ServerReflection, impl(v1.ServerReflectionResponseSchema, get));
  // The two versions' messages are the same fields under another package name.
  router.service(
    v1alpha.ServerReflection,
    impl(v1alpha.ServerReflectionResponseSchema as unknown as typeof v1.ServerReflectionResponseSchema, get) as never,
  );
}

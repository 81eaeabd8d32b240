// @acme/schemas: where this release's protos and descriptor set are on disk,
// for tools that take paths (buf, protoc, grpcurl, @grpc/proto-loader) and
// for code that loads the descriptor set. Node only: it names files.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// One source for both builds: dist/index.cjs (CommonJS has __dirname, no import.meta)
// and dist/index.js (ESM has import.meta, no __dirname).
const distDir: string = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));

/**
 * The include root that holds every `.proto` of the release: the schema
 * repository's own (`acme/...`, `grpc/health/v1/...`, `httpgrpc/...`) and the
 * third-party files they may import (`google/api`, `google/rpc`,
 * `buf/validate`). Not `google/protobuf/*`: buf and protoc carry those.
 */
export const protoDir: string = join(distDir, "proto");

/**
 * The compiled schema, `buf build --as-file-descriptor-set`: a binary
 * `google.protobuf.FileDescriptorSet` of every file in {@link protoDir} and
 * the well-known types they import, with source info (comments). The same
 * file is attached to the GitHub release.
 */
export const descriptorSetPath: string = join(distDir, "image.binpb");

/** The descriptor set's bytes, e.g. for `fromBinary(FileDescriptorSetSchema, ...)` or `loadFileDescriptorSetFromBuffer`. */
export function readDescriptorSet(): Uint8Array {
  return readFileSync(descriptorSetPath);
}

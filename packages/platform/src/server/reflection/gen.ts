// grpc.reflection.v1 and v1alpha, generated from the .proto files that
// @grpc/reflection ships (see buf.gen.yaml); bundled into dist by tsup.
export * as v1 from "../../../../../gen/grpc/reflection/v1/reflection_pb.js";
export * as v1alpha from "../../../../../gen/grpc/reflection/v1alpha/reflection_pb.js";

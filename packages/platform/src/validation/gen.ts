// google.rpc error details, generated from the .proto file google-proto-files
// ships (see buf.gen.yaml); bundled into dist by tsup.
export {
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
  type BadRequest,
} from "../../../../gen/google/rpc/error_details_pb.js";

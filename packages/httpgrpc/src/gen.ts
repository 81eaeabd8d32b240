export * from "../../../gen/httpgrpc/index.js";

export * from "../../../gen/acme/monitoring/v1/index.js";

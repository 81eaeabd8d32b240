// grpc.health.v1 for Connect-ES servers and clients: the status registry,
// the Health service implementation and a wait-until-SERVING client helper.
export { HealthStatusRegistry, MAX_LISTED_SERVICES } from "./status-registry.js";
export { createHealthService } from "./health-service.js";
export { waitForServing, type WaitForServingOptions } from "./wait-for-serving.js";
export { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "./gen.js";

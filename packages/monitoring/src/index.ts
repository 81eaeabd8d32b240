// acme.monitoring.v1 for Connect-ES servers: dependency checks with their own
// timeouts, an aggregate optionally tied to grpc.health.v1, and the
// MonitoringService implementation.
export {
  DependencyMonitor,
  aggregate,
  type DependencyCheck,
  type DependencyMonitorOptions,
  type ServingStatusSink,
} from "./dependency-monitor.js";
export { createMonitoringService } from "./monitoring-service.js";
export { runCheck, type CheckFn, type CheckOutcome } from "./run-check.js";
export { DependencyKind, MonitoringService, Status } from "./gen.js";

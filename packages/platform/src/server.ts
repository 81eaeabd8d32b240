// @acme/platform/server: the standard way to start an Acme service (Node only).
export {
  createServer,
  defineService,
  type CreateServerOptions,
  type PlatformServer,
  type ServiceRegistration,
  type ShutdownOptions,
} from "./server/create-server.js";
export { identityKey, traceKey } from "./server/context-keys.js";
export { ALWAYS_PUBLIC, type AuthCall, type AuthOptions } from "./server/interceptors/auth-interceptor.js";
export type { CorsOptions } from "./server/cors.js";
export { jsonLogger, silentLogger, type Logger } from "./server/logger.js";
export { expressFallback, fastifyFallback } from "./server/rest-fallback.js";
export { HTTP2_PREFACE } from "./server/one-port.js";
export { currentTrace } from "./trace-scope.js";
export type { TraceContext } from "./trace-scope.js";
export { formatTraceparent, parseTraceparent } from "@acme/telemetry";
export { registerReflection } from "./server/reflection/reflection-service.js";
export { BadRequestSchema, type BadRequest } from "./validation/gen.js";

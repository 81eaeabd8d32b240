// @acme/telemetry: OpenTelemetry for Acme's RPC libraries, on @opentelemetry/api
// only (the application picks the SDK and exporters): spans and duration
// metrics per the RPC semantic conventions, and W3C trace context with a
// fallback for processes that register no SDK.
export {
  INSTRUMENTATION_SCOPE,
  observeClientCall,
  observeServerCall,
  type RpcCall,
  type RpcObservation,
  type RpcSystem,
} from "./rpc.js";
export {
  activePropagator,
  extractContext,
  fallbackPropagator,
  headersGetter,
  headersSetter,
  injectContext,
} from "./propagation.js";
export { formatTraceparent, parseTraceparent, randomHex } from "./traceparent.js";

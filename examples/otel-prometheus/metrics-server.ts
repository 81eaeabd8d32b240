// A createServer whose RPC metrics (rpc.server.duration, recorded by
// @acme/platform through @opentelemetry/api) Prometheus scrapes from
// GET /metrics on the same port, through @opentelemetry/exporter-prometheus.
// The application, not the library, picks the SDK and the exporter.
import { metrics } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { createServer, defineService, type Logger } from "@acme/platform/server";
import { greeterImpl, GreeterService } from "@acme/test-support/greeter";

export async function startMetricsServer(port = 0, logger?: Logger) {
  // No server of its own: /metrics is served on the RPC port, through the REST fallback.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  metrics.setGlobalMeterProvider(meterProvider);
  const server = createServer({
    logger,
    services: [defineService(GreeterService, greeterImpl)],
    fallback(req, res) {
      if (req.method === "GET" && req.url === "/metrics") return exporter.getMetricsRequestHandler(req, res);
      res.statusCode = 404;
      res.end("not found\n");
    },
  });
  const { url } = await server.listen(port);
  return {
    url,
    async close() {
      await server.shutdown({ timeoutMs: 2000 });
      await meterProvider.shutdown();
    },
  };
}

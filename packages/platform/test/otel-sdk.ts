// The real OpenTelemetry SDK for tests, registered globally the way an
// application would (one per test process: node --test runs each file in
// its own), with in-memory exporters to read what was recorded.
import { context, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";

/** A reader that exports only when asked (collect()). */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export function registerTestSdk() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans,
    /** Waits until `n` spans have ended (servers end theirs as they answer; the wait is for an event, not a time). */
    async finished(n: number): Promise<ReadableSpan[]> {
      while (spans.getFinishedSpans().length < n) await new Promise((r) => setImmediate(r));
      return spans.getFinishedSpans();
    },
    /** The data points of one histogram, now. */
    async histogram(name: string): Promise<DataPoint<Histogram>[]> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length) throw errors[0];
      const found = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name);
      return found.flatMap((m) => m.dataPoints as DataPoint<Histogram>[]);
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

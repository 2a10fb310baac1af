// The OpenTelemetry SDK, started only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans are batched and sent over
// OTLP/HTTP (JSON) to `<endpoint>/v1/traces`. Not registered globally: the gateway hands its tracer to its plugins.
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (e.g. http://localhost:4318); `/v1/traces` is appended. */
  endpoint: string;
  /** OTEL_SERVICE_NAME (default contact-gateway). */
  serviceName: string;
  /** Longest wait between batches, ms (the SDK's default: 5000). */
  scheduledDelayMillis?: number | undefined;
}

export interface TracingSdk {
  tracer: Tracer;
  /** Sends what is batched and stops; for the process's stop (never throws: a collector that is down is not ours). */
  shutdown(): Promise<void>;
}

/** Starts a tracer provider exporting to the collector; spans of the gateway come from `tracer`. */
export function startTracing(options: TracingOptions): TracingSdk {
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(
        exporter,
        options.scheduledDelayMillis === undefined ? {} : { scheduledDelayMillis: options.scheduledDelayMillis },
      ),
    ],
  });
  return {
    tracer: provider.getTracer('contact-gateway'),
    shutdown: () => provider.shutdown().catch(() => {}),
  };
}

// What createGateway installs for operators: request ids, the probes, /metrics, traces and the request log line, fed
// by one record per GraphQL request (src/plugins/use-operation-record.ts) and by the transport's observer.
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { useHealth } from '../plugins/use-health.js';
import { useMetricsEndpoint } from '../plugins/use-metrics.js';
import { type OperationRecord, useOperationRecord } from '../plugins/use-operation-record.js';
import { useRequestId } from '../plugins/use-request-id.js';
import { useTracing } from '../plugins/use-tracing.js';
import type { UpstreamObserver } from '../upstream/http/observer.js';
import type { GatewayHealth, GatewayOptions } from '../yoga.js';
import { GatewayMetrics } from './metrics.js';
import { combineObservers } from './observers.js';

export interface GatewayTelemetry {
  /** First in the gateway's plugin list: the probes and /metrics answer before auth and CSRF. */
  plugins: Plugin[];
  /** The transport's observer: the caller's own (options.observer), metrics and traces. */
  observer: UpstreamObserver | undefined;
}

/** The request log line's fields: names, codes and numbers only. */
function logFields(record: OperationRecord, operation: string): Record<string, unknown> {
  return {
    requestId: record.requestId,
    operation,
    ...(record.type ? { type: record.type } : {}),
    outcome: record.outcome,
    status: record.status,
    durationMs: Math.round(record.durationMs * 10) / 10,
    ...(record.codes.length > 0 ? { codes: record.codes } : {}),
  };
}

/** Builds the telemetry of one gateway; `health` is read by /readiness and at each scrape. */
export function gatewayTelemetry(
  options: Pick<
    GatewayOptions,
    'tracer' | 'metrics' | 'metricsToken' | 'auth' | 'stopping' | 'requestLog' | 'observer'
  >,
  health: () => GatewayHealth,
): GatewayTelemetry {
  const metrics = options.metrics === false ? undefined : new GatewayMetrics(health);
  const tracing = options.tracer ? useTracing(options.tracer) : undefined;
  let logger: YogaLogger | undefined;
  const ended: ((record: OperationRecord) => void)[] = [];
  if (metrics) ended.push((record) => metrics.operationEnded(record));
  if (tracing) ended.push(tracing.operationEnded);
  if (options.requestLog) {
    ended.push((record) => {
      if (!record.operation) return;
      const operation = record.name ?? (record.type ? 'anonymous' : 'unknown');
      logger?.info('request', logFields(record, operation));
    });
  }
  const plugins: Plugin[] = [
    useRequestId(),
    {
      onYogaInit({ yoga }) {
        logger = yoga.logger;
      },
    },
    useHealth({ health, stopping: options.stopping }),
  ];
  if (metrics) {
    const auth = options.auth;
    plugins.push(
      useMetricsEndpoint({
        metrics,
        token: options.metricsToken,
        apiKeys: auth ? [...auth.apiKeys, ...(auth.readOnlyApiKeys ?? [])] : [],
        // The gateway serves anyone (the demo, or GATEWAY_AUTH=disabled): its counters are no more private.
        open: auth === undefined,
      }),
    );
  }
  if (tracing) plugins.push(tracing.plugin);
  if (ended.length > 0) {
    plugins.push(
      useOperationRecord({
        ...(metrics ? { onStart: () => metrics.operationStarted() } : {}),
        onEnd: (record) => {
          for (const end of ended) end(record);
        },
      }),
    );
  }
  return { plugins, observer: combineObservers([options.observer, metrics?.observer(), tracing?.observer]) };
}

import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Attributes,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Plugin } from 'graphql-yoga';
import type { UpstreamCallEvent, UpstreamObserver } from '../upstream/http/observer.js';
import type { OperationRecord } from './use-operation-record.js';

const headers: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

/** What useTracing hands createGateway: the plugin, the transport's observer and the end of each operation. */
export interface Tracing {
  plugin: Plugin;
  observer: UpstreamObserver;
  /** Ends the request's span with what the operation record says (useOperationRecord's onEnd). */
  operationEnded(record: OperationRecord): void;
}

/**
 * OpenTelemetry spans, installed only when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): off, nothing of this runs.
 *
 * - One SERVER span per GraphQL request, named `query ContactById` (type and name; `query` alone when anonymous,
 *   `graphql` when refused before parsing). A caller's W3C `traceparent` (and `tracestate`) makes it that trace's
 *   child. Attributes: graphql.operation.name, graphql.operation.type, http.response.status_code,
 *   gateway.request_id, gateway.outcome (ok | partial | error), gateway.error_codes (contract codes); status ERROR
 *   when the answer has errors.
 * - One CLIENT child span per upstream call, named `GET /contacts/{id}` (method and route template). Attributes:
 *   gateway.upstream.source, http.request.method, url.template, http.response.status_code (when one came),
 *   gateway.upstream.attempts, gateway.upstream.served_by (network | cache | shared), error.type (the contract code,
 *   on failure); status ERROR on failure.
 * Never a URL, query text, variable, token or body. The operation span is found from upstream calls through an
 * AsyncLocalStorage entered for the request.
 */
export function useTracing(tracer: Tracer): Tracing {
  const propagator = new W3CTraceContextPropagator();
  const current = new AsyncLocalStorage<Span>();
  const spans = new WeakMap<Request, Span>();
  let endpoint = '/graphql';
  const plugin: Plugin = {
    onYogaInit({ yoga }) {
      endpoint = yoga.graphqlEndpoint;
    },
    instrumentation: {
      request({ request }, wrapped) {
        if (new URL(request.url).pathname !== endpoint) return wrapped();
        const parent = propagator.extract(ROOT_CONTEXT, request.headers, headers);
        const span = tracer.startSpan('graphql', { kind: SpanKind.SERVER }, parent);
        spans.set(request, span);
        return current.run(span, wrapped);
      },
    },
  };
  const operationEnded = (record: OperationRecord) => {
    const span = spans.get(record.request);
    if (!span) return;
    spans.delete(record.request);
    // GraphiQL's page on the endpoint's path is no operation: its span is dropped unexported.
    if (!record.operation) return;
    const attributes: Attributes = {
      'http.response.status_code': record.status,
      'gateway.outcome': record.outcome,
    };
    if (record.requestId) attributes['gateway.request_id'] = record.requestId;
    if (record.type) attributes['graphql.operation.type'] = record.type;
    if (record.name) attributes['graphql.operation.name'] = record.name;
    if (record.codes.length > 0) attributes['gateway.error_codes'] = record.codes;
    span.setAttributes(attributes);
    span.updateName(record.type ? `${record.type}${record.name ? ` ${record.name}` : ''}` : 'graphql');
    if (record.outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: record.codes.join(' ') });
    span.end();
  };
  const observer: UpstreamObserver = {
    startCall(source, method, route) {
      const parent = current.getStore();
      // Outside any request (start-up, unit tests): no trace to join.
      if (!parent) return undefined;
      const span = tracer.startSpan(
        route.startsWith(`${method} `) ? route : `${method} ${route}`,
        {
          kind: SpanKind.CLIENT,
          attributes: { 'gateway.upstream.source': source, 'http.request.method': method, 'url.template': route },
        },
        trace.setSpan(ROOT_CONTEXT, parent),
      );
      return (event: UpstreamCallEvent) => {
        const attributes: Attributes = {
          'gateway.upstream.attempts': event.attempts,
          'gateway.upstream.served_by': event.servedBy,
        };
        if (event.status !== null) attributes['http.response.status_code'] = event.status;
        if (event.code !== null) {
          attributes['error.type'] = event.code;
          span.setStatus({ code: SpanStatusCode.ERROR, message: event.code });
        }
        span.setAttributes(attributes);
        span.end();
      };
    },
  };
  return { plugin, observer, operationEnded };
}

// Traces reach a collector: a loopback OTLP/HTTP receiver gets the operation span (child of the caller's traceparent)
// and one child span per upstream call, with names, route templates and codes, and never a URL, token or body.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN } from '../src/demo/index.js';
import { startTracing, type TracingSdk } from '../src/telemetry/tracing.js';
import { type Stack, startStack } from './helpers/stack.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

/** An OTLP/HTTP JSON receiver: every span of every POST /v1/traces, and the service names seen. */
function receiver(): { server: Server; spans: OtlpSpan[]; services: string[]; bodies: string[] } {
  const spans: OtlpSpan[] = [];
  const services: string[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/v1/traces');
      bodies.push(body);
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
      };
      for (const resourceSpans of payload.resourceSpans) {
        const name = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        if (name) services.push(name);
        for (const scope of resourceSpans.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  return { server, spans, services, bodies };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if ('arrayValue' in value) {
    return (value.arrayValue as { values: { stringValue: string }[] }).values.map((v) => v.stringValue);
  }
  return Object.values(value)[0];
};

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

describe('traces over OTLP/HTTP', () => {
  const collector = receiver();
  let sdk: TracingSdk;
  let stack: Stack;
  beforeAll(async () => {
    await new Promise<void>((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
    const port = (collector.server.address() as AddressInfo).port;
    sdk = startTracing({ endpoint: `http://127.0.0.1:${port}/`, serviceName: 'gateway-under-test' });
    stack = await startStack({ gateway: { tracer: sdk.tracer, upstream: { retries: 0 } } });
  });
  afterAll(async () => {
    await stack.close();
    await sdk.shutdown();
    collector.server.close();
  });

  it("sends the operation span as the caller's child, with a child span per upstream call", async () => {
    const response = await stack.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
        'x-request-id': 'trace-test-1',
      },
      body: JSON.stringify({
        query: `query TwoSources {
          b: contacts(first: 2, sources: [BACKSIDE]) { nodes { id displayName } }
          i: contacts(first: 2, sources: [INTERCOM]) { nodes { id displayName } }
        }`,
        operationName: 'TwoSources',
      }),
    });
    expect(response.status).toBe(200);
    await response.json();
    // A refused document: its span says so.
    await stack.query('{ nope }');
    await sdk.shutdown();

    expect(collector.services).toContain('gateway-under-test');
    const operation = collector.spans.find((span) => span.name === 'query TwoSources');
    expect(operation, collector.spans.map((span) => span.name).join(', ')).toBeDefined();
    if (!operation) return;
    expect(operation.traceId).toBe(TRACE_ID);
    expect(operation.parentSpanId).toBe(PARENT_ID);
    expect(operation.kind).toBe(2); // SERVER
    expect(attribute(operation, 'graphql.operation.name')).toBe('TwoSources');
    expect(attribute(operation, 'graphql.operation.type')).toBe('query');
    expect(attribute(operation, 'gateway.outcome')).toBe('ok');
    expect(attribute(operation, 'gateway.request_id')).toBe('trace-test-1');
    expect(Number(attribute(operation, 'http.response.status_code'))).toBe(200);

    const upstream = collector.spans.filter((span) => span.parentSpanId === operation.spanId);
    const sources = upstream.map((span) => attribute(span, 'gateway.upstream.source'));
    expect(sources).toEqual(expect.arrayContaining(['BACKSIDE', 'INTERCOM']));
    for (const span of upstream) {
      expect(span.traceId).toBe(TRACE_ID);
      expect(span.kind).toBe(3); // CLIENT
      expect(attribute(span, 'http.request.method')).toBe('GET');
      expect(String(attribute(span, 'url.template'))).toMatch(/^GET \//);
      expect(span.name).toBe(attribute(span, 'url.template'));
      expect(Number(attribute(span, 'http.response.status_code'))).toBe(200);
      expect(Number(attribute(span, 'gateway.upstream.attempts'))).toBe(1);
      expect(attribute(span, 'gateway.upstream.served_by')).toBe('network');
    }

    const refused = collector.spans.find((span) => attribute(span, 'gateway.outcome') === 'error');
    expect(refused).toBeDefined();
    expect(attribute(refused as OtlpSpan, 'gateway.error_codes')).toEqual(['BAD_USER_INPUT']);
    expect(refused?.status?.code).toBe(2); // ERROR
    expect(refused?.traceId).not.toBe(TRACE_ID);

    // Nothing of a URL, token or upstream body in what was exported.
    const exported = collector.bodies.join('\n');
    for (const secret of [DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN, 'http://127.0.0.1', 'displayName', 'nope']) {
      expect(exported).not.toContain(secret);
    }
  });
});

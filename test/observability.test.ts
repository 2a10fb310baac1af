// /metrics (Prometheus text, never anonymous unless the gateway is), /health and /readiness, and request ids.
// @ts-expect-error: the parser ships no types; it answers [{ name, help, type, metrics: [...] }] per family.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './helpers/stack.js';

const API_KEY = 'k'.repeat(40);
const METRICS_TOKEN = 'metrics-token-0123456789';

/** Checks Prometheus' text format line by line and returns each sample's value by its series. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const sample =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|Nan|[+-]Inf)$/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      continue;
    }
    const match = sample.exec(line);
    expect(match, line).not.toBeNull();
    if (match) samples.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return samples;
}

const graphql = (stack: Stack, query: string, headers: Record<string, string> = {}) =>
  stack.gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
    body: JSON.stringify({ query }),
  });

describe('/metrics with caller auth', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: { auth: { apiKeys: [API_KEY] } } });
  });
  afterAll(() => stack.close());
  const scrape = (headers: Record<string, string> = {}) => stack.gateway.fetch('http://gateway/metrics', { headers });

  it('is refused without an API key (401), before anything else runs', async () => {
    const attempts: Record<string, string>[] = [{}, { 'x-api-key': 'wrong' }, { authorization: `Bearer ${API_KEY}` }];
    for (const headers of attempts) {
      const response = await scrape(headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/ApiKey/);
    }
  });

  it('parses, and its counters move with queries and upstream calls', async () => {
    const before = parsePrometheus(await (await scrape({ 'x-api-key': API_KEY })).text());
    const ok = await graphql(stack, 'query Listing { contacts(first: 2, sources: [BACKSIDE]) { nodes { id } } }');
    expect(ok.status).toBe(200);
    await ok.json();
    await (await graphql(stack, '{ nope }')).json();
    const response = await scrape({ 'x-api-key': API_KEY });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const scraped = await response.text();
    const after = parsePrometheus(scraped);
    // What a scraper's parser makes of it: every family typed, ours among them.
    const families = (parsePrometheusTextFormat as (text: string) => { name: string; type: string }[])(scraped);
    const types = new Map(families.map((family) => [family.name, family.type]));
    expect(types.get('gateway_operations_total')).toBe('COUNTER');
    expect(types.get('gateway_operation_duration_seconds')).toBe('HISTOGRAM');
    expect(types.get('gateway_upstream_call_duration_seconds')).toBe('HISTOGRAM');
    expect(types.get('gateway_requests_in_flight')).toBe('GAUGE');
    const moved = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(moved('gateway_operations_total{operation="Listing",type="query",outcome="ok"}')).toBe(1);
    expect(moved('gateway_operation_errors_total{code="BAD_USER_INPUT"}')).toBe(1);
    expect(moved('gateway_operation_duration_seconds_count{operation="Listing",type="query",outcome="ok"}')).toBe(1);
    const upstream = [...after.keys()].find((key) =>
      key.startsWith('gateway_upstream_calls_total{source="BACKSIDE",method="GET",route="GET /api/v1/contacts"'),
    );
    expect(upstream, [...after.keys()].join('\n')).toMatch(/served_by="network",status="200"/);
    expect(after.get('gateway_upstream_circuit_state{source="BACKSIDE"}')).toBe(0);
    expect(after.get('gateway_redis_health')).toBe(0);
    expect(after.get('gateway_requests_in_flight')).toBe(0);
    // No value, id, URL or key in any series.
    const text = [...after.keys()].join('\n');
    for (const secret of [API_KEY, 'http://', '127.0.0.1']) expect(text).not.toContain(secret);
  });

  it('names subscriptions too (over SSE they are subscribed, not executed)', async () => {
    const abort = new AbortController();
    const response = await stack.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': API_KEY },
      body: JSON.stringify({ query: 'subscription Watch { contactChanged { kind } }' }),
      signal: abort.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    abort.abort();
    await response.body?.cancel().catch(() => {});
    const after = parsePrometheus(await (await scrape({ 'x-api-key': API_KEY })).text());
    const series = [...after.keys()].filter((key) => key.startsWith('gateway_operations_total{'));
    expect(
      series.some((key) => key.includes('operation="Watch",type="subscription"')),
      series.join('\n'),
    ).toBe(true);
  });

  it('keeps at most 200 operation names; the rest count as other', async () => {
    for (let i = 0; i < 205; i++) await (await graphql(stack, `query Op${i} { __typename }`)).json();
    const after = parsePrometheus(await (await scrape({ 'x-api-key': API_KEY })).text());
    const names = new Set(
      [...after.keys()]
        .filter((key) => key.startsWith('gateway_operations_total{'))
        .map((key) => /operation="([^"]*)"/.exec(key)?.[1]),
    );
    // 200 names, and the fixed other, anonymous and unknown.
    expect(names.size).toBeLessThanOrEqual(203);
    expect(names.has('other')).toBe(true);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: { auth: { apiKeys: [API_KEY] }, metricsToken: METRICS_TOKEN } });
  });
  afterAll(() => stack.close());

  it('needs the token as a Bearer token; an API key is not enough', async () => {
    const scrape = (headers: Record<string, string>) => stack.gateway.fetch('http://gateway/metrics', { headers });
    expect((await scrape({ 'x-api-key': API_KEY })).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer wrong' })).status).toBe(401);
    const response = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(response.status).toBe(200);
    parsePrometheus(await response.text());
  });
});

describe('/health, /readiness and request ids (no auth, as the demo)', () => {
  let stack: Stack;
  const stopping = new AbortController();
  beforeAll(async () => {
    stack = await startStack({
      gateway: { stopping: stopping.signal, upstream: { retries: 0, breakerThreshold: 1, breakerCooldownMs: 60_000 } },
    });
  });
  afterAll(() => stack.close());

  it('opens /metrics when the gateway itself is open', async () => {
    expect((await stack.gateway.fetch('http://gateway/metrics')).status).toBe(200);
  });

  it('answers /health and /readiness before CSRF and GraphQL', async () => {
    const health = await stack.gateway.fetch('http://gateway/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'alive' });
    const ready = await stack.gateway.fetch('http://gateway/readiness');
    expect(ready.status).toBe(200);
    // Each answer its own length (a shared headers object once carried /health's content-length to /readiness).
    const text = await ready.clone().text();
    expect(ready.headers.get('content-length') ?? String(text.length)).toBe(String(Buffer.byteLength(text)));
    expect(await ready.json()).toEqual({
      status: 'ready',
      redis: 'off',
      sources: { BACKSIDE: 'closed', INTERCOM: 'closed' },
    });
    expect((await stack.gateway.fetch('http://gateway/readiness', { method: 'POST' })).status).toBe(405);
  });

  it('turns unready while a source circuit is open', async () => {
    const off = stack.upstreams.intercom.use((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{}');
      return true;
    });
    await (await graphql(stack, '{ contacts(first: 1, sources: [INTERCOM]) { nodes { id } } }')).json();
    off();
    const response = await stack.gateway.fetch('http://gateway/readiness');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unready', sources: { INTERCOM: 'open' } });
  });

  it('gives every answer a request id: the caller’s when valid, in the header and in every error', async () => {
    const kept = await graphql(stack, '{ nope }', { 'x-request-id': 'caller-id_42' });
    expect(kept.headers.get('x-request-id')).toBe('caller-id_42');
    expect(((await kept.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      requestId: 'caller-id_42',
    });
    for (const bad of ['x'.repeat(129), 'has space', 'ünïcode']) {
      const made = await graphql(stack, '{ __typename }', { 'x-request-id': bad });
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const plain = await stack.gateway.fetch('http://gateway/health');
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns unready at once when the process starts stopping', async () => {
    stopping.abort();
    const response = await stack.gateway.fetch('http://gateway/readiness');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unready', stopping: true });
    expect((await stack.gateway.fetch('http://gateway/health')).status).toBe(200);
  });
});

// Faults injected for real into the loopback fakes: each ends in a typed error with its source, within a time bound,
// with a known number of upstream calls, the other source's data kept, and nothing leaked.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './helpers/stack.js';

const POLICY = {
  timeoutMs: 300,
  retries: 2,
  backoffMs: 10,
  maxBackoffMs: 20,
  rateLimitWaitCapMs: 1500,
  breakerThreshold: 50,
  breakerCooldownMs: 1000,
};

const logs: string[] = [];
const logger = {
  debug: (...args: unknown[]) => logs.push(['debug', ...args].map(String).join(' ')),
  info: (...args: unknown[]) => logs.push(['info', ...args].map(String).join(' ')),
  warn: (...args: unknown[]) => logs.push(['warn', ...args].map(String).join(' ')),
  error: (...args: unknown[]) => logs.push(['error', ...args].map(String).join(' ')),
};

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  logs.length = 0;
});

async function start(policy: Partial<typeof POLICY> = {}) {
  stack = await startStack({ gateway: { upstream: { ...POLICY, ...policy }, logging: logger } });
  return stack;
}

type Fault = (req: IncomingMessage, res: ServerResponse) => void;
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const intercomError = (code: string, message: string) => ({
  type: 'error.list',
  request_id: 'r1',
  errors: [{ code, message }],
});

/** Both sources in one list: Backside's contacts come first and must survive Intercom's fault. */
const LIST = '{ contacts(first: 100) { nodes { source sourceId displayName } } }';

async function underFault(fault: Fault, times = Number.POSITIVE_INFINITY, policy: Partial<typeof POLICY> = {}) {
  const s = await start(policy);
  let faults = 0;
  s.upstreams.intercom.use((req, res) => {
    if (faults >= times) return false;
    faults += 1;
    fault(req, res);
    return true;
  });
  const started = performance.now();
  const response = await s.query(LIST);
  const ms = performance.now() - started;
  const nodes = (response.data?.contacts?.nodes ?? []) as { source: string }[];
  const raw = JSON.stringify(response);
  return {
    response,
    ms,
    intercomCalls: s.upstreams.intercom.calls.length,
    backsideNodes: nodes.filter((n) => n.source === 'BACKSIDE').length,
    intercomNodes: nodes.filter((n) => n.source === 'INTERCOM').length,
    raw,
    error: response.errors?.[0],
  };
}

const table: string[] = [];
function note(fault: string, result: Awaited<ReturnType<typeof underFault>>) {
  table.push(
    `| ${fault} | ${result.error?.extensions?.code ?? '(none)'} | ${Math.round(result.ms)} ms | ${result.intercomCalls} |`,
  );
}

describe('upstream faults on Intercom, Backside healthy', () => {
  it('slow (each answer later than the attempt timeout): UPSTREAM_TIMEOUT after the retries', async () => {
    const result = await underFault((_req, res) => {
      setTimeout(() => json(res, 200, { type: 'list', data: [] }), 2000).unref();
    });
    note('slow 2 s, timeout 300 ms', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(3);
    expect(result.ms).toBeLessThan(3 * 300 + 500);
    expect(result.backsideNodes).toBeGreaterThan(0);
  });

  it('hanging (never answers): UPSTREAM_TIMEOUT', async () => {
    const result = await underFault(() => {});
    note('hanging', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(3);
    expect(result.backsideNodes).toBeGreaterThan(0);
  });

  it('500 then recovery: no error, one retry', async () => {
    const result = await underFault((_req, res) => json(res, 500, intercomError('server_error', 'boom')), 1);
    note('500 once, then fine', result);
    expect(result.response.errors).toBeUndefined();
    expect(result.intercomCalls).toBe(2);
    expect(result.intercomNodes).toBeGreaterThan(0);
  });

  it('429 with a short Retry-After: waits it out and succeeds', async () => {
    const result = await underFault(
      (_req, res) => json(res, 429, intercomError('rate_limit_exceeded', 'slow down'), { 'retry-after': '1' }),
      1,
    );
    note('429 Retry-After: 1', result);
    expect(result.response.errors).toBeUndefined();
    expect(result.intercomCalls).toBe(2);
    expect(result.ms).toBeGreaterThanOrEqual(900);
  });

  it('429 with a long Retry-After: UPSTREAM_RATE_LIMITED at once', async () => {
    const result = await underFault((_req, res) =>
      json(res, 429, intercomError('rate_limit_exceeded', 'slow down'), { 'retry-after': '120' }),
    );
    note('429 Retry-After: 120', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_RATE_LIMITED',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(1);
    expect(result.ms).toBeLessThan(500);
    expect(result.backsideNodes).toBeGreaterThan(0);
  });

  it('429 with X-RateLimit-Reset far ahead (Intercom sends no Retry-After): UPSTREAM_RATE_LIMITED at once', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 60);
    const result = await underFault((_req, res) =>
      json(res, 429, intercomError('rate_limit_exceeded', 'slow down'), {
        'x-ratelimit-reset': reset,
        'x-ratelimit-remaining': '0',
      }),
    );
    note('429 X-RateLimit-Reset +60 s', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_RATE_LIMITED',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(1);
    expect(result.ms).toBeLessThan(500);
  });

  it('connection reset: UPSTREAM_UNAVAILABLE after the retries', async () => {
    const result = await underFault((req) => req.socket.destroy());
    note('connection reset', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(3);
    expect(result.backsideNodes).toBeGreaterThan(0);
  });

  it('malformed JSON: UPSTREAM_BAD_RESPONSE, not retried', async () => {
    const result = await underFault((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"type":"list","data":[{"type":"contact",');
    });
    note('malformed JSON', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_BAD_RESPONSE',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(1);
  });

  it('HTML with 200 (a proxy page): UPSTREAM_BAD_RESPONSE', async () => {
    const result = await underFault((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Service temporarily unavailable</body></html>');
    });
    note('HTML with 200', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_BAD_RESPONSE',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.raw).not.toContain('temporarily');
  });

  it('JSON of the wrong shape: UPSTREAM_BAD_RESPONSE', async () => {
    const result = await underFault((_req, res) => json(res, 200, { hello: 'world' }));
    note('JSON, wrong shape', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_BAD_RESPONSE',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
  });

  it('401: UPSTREAM_UNAUTHORIZED, not retried', async () => {
    const result = await underFault((_req, res) =>
      json(res, 401, intercomError('unauthorized', 'Access Token Invalid')),
    );
    note('401', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_UNAUTHORIZED',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(1);
  });

  it('a 20 MB body: UPSTREAM_BAD_RESPONSE without reading it all', async () => {
    const result = await underFault((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      res.write('{"type":"list","data":[');
      for (let i = 0; i < 20; i++) res.write(chunk);
      res.end(']}');
    });
    note('20 MB body', result);
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_BAD_RESPONSE',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(result.intercomCalls).toBe(1);
  });

  it('an error body that echoes the token and URL: none of it reaches the response or the logs', async () => {
    const result = await underFault((req, res) =>
      json(
        res,
        400,
        intercomError(
          'parameter_invalid',
          `bad request from ${req.headers.authorization} to ${req.headers.host}${req.url}`,
        ),
      ),
    );
    note('400 echoing token', result);
    const host = new URL((stack as Stack).upstreams.intercom.url).host;
    for (const text of [result.raw, logs.join('\n')]) {
      expect(text).not.toContain('ic_test_demo');
      expect(text).not.toContain(host);
      expect(text).not.toContain('bad request from');
    }
    expect(result.error?.extensions).toEqual({
      code: 'UPSTREAM_BAD_RESPONSE',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(logs.some((line) => line.includes('INTERCOM'))).toBe(true);
  });

  it('a run of failures opens the circuit: later requests answer at once without calling Intercom', async () => {
    const s = await start({ breakerThreshold: 3, retries: 0 });
    s.upstreams.intercom.use((_req, res) => {
      json(res, 503, intercomError('service_unavailable', 'down'));
      return true;
    });
    for (let i = 0; i < 3; i++) await s.query('{ contacts(first: 1, sources: [INTERCOM]) { nodes { id } } }');
    expect(s.upstreams.intercom.calls).toHaveLength(3);
    const started = performance.now();
    const response = await s.query('{ contacts(first: 1, sources: [INTERCOM]) { nodes { id } } }');
    expect(performance.now() - started).toBeLessThan(100);
    expect(response.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(s.upstreams.intercom.calls).toHaveLength(3);
    table.push('| circuit open (after 3 × 503) | UPSTREAM_UNAVAILABLE | < 100 ms | 0 |');
  });

  it('keeps one source’s contact when the other’s fails in the same query', async () => {
    const s = await start({ retries: 0 });
    s.upstreams.intercom.use((_req, res) => {
      json(res, 503, intercomError('service_unavailable', 'down'));
      return true;
    });
    const backsideId = s.upstreams.seed.backside.contacts.find(
      (c) => c.tenant_id === s.upstreams.seed.backside.tenants[0]?.id,
    )?.id;
    const intercomId = s.upstreams.seed.intercom.contacts[0]?.id;
    const response = await s.query(
      `query($b: String!, $i: String!) {
        b: contactBySourceId(source: BACKSIDE, sourceId: $b) { sourceId tags { name } }
        i: contactBySourceId(source: INTERCOM, sourceId: $i) { sourceId }
      }`,
      { b: backsideId, i: intercomId },
    );
    expect(response.data?.b.sourceId).toBe(backsideId);
    expect(response.data?.i).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors?.[0]).toMatchObject({
      path: ['i'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'INTERCOM' },
    });
  });

  it('aborts upstream calls when the client disconnects', async () => {
    const s = await start({ timeoutMs: 10_000 });
    let closed: () => void = () => {};
    const upstreamClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    s.upstreams.intercom.use((req) => {
      req.socket.once('close', () => closed());
      return true; // never answers
    });
    const server = createServer(s.gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const controller = new AbortController();
    const request = fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ contacts(first: 1, sources: [INTERCOM]) { nodes { id } } }' }),
      signal: controller.signal,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(s.upstreams.intercom.calls).toHaveLength(1);
    const abortedAt = performance.now();
    controller.abort();
    await request;
    await upstreamClosed;
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(s.upstreams.intercom.calls).toHaveLength(1);
    // A caller hanging up is not an upstream failure nor a gateway error: nothing above debug is logged.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(logs.filter((line) => !line.startsWith('debug'))).toEqual([]);
    server.closeAllConnections();
    server.close();
  });

  it('prints the measured table', () => {
    console.info(['| fault | code | time | Intercom calls |', '|---|---|---|---|', ...table].join('\n'));
    expect(table.length).toBeGreaterThan(10);
  });
});

// The network wire (undici's request API over a keep-alive pool) against real HTTP servers on loopback: what the
// transport relies on it for (statuses, headers, bodies and their cap, no redirects, aborts, connection errors), and
// the bounded memo that keeps the mappers' costly pure readings.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoize } from '../src/memo.js';
import { BodyBudget, readBody } from '../src/upstream/http/body.js';
import { type AttemptFailure, neverConnected } from '../src/upstream/http/failure.js';
import type { UpstreamPolicy } from '../src/upstream/http/policy.js';
import { UpstreamHttp } from '../src/upstream/http/upstream-http.js';
import type { WireRequest } from '../src/upstream/http/wire.js';
import { undiciWire } from '../src/upstream/http/wire-undici.js';

let base = '';
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (req.url?.startsWith('/api/redirect')) {
      res.writeHead(302, { location: '/api/elsewhere' }).end();
    } else if (req.url?.startsWith('/api/big')) {
      // Chunked, no Content-Length: the cap is counted while reading.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"a":"${'x'.repeat(5000)}`);
      res.end('"}');
    } else if (req.url?.startsWith('/api/gzip')) {
      // Compressed only when asked for, as servers do.
      const json = JSON.stringify({ zipped: 'y'.repeat(3000) });
      if (!String(req.headers['accept-encoding']).includes('gzip')) res.writeHead(200).end(json);
      else res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(json));
    } else if (req.url?.startsWith('/api/bomb')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(Buffer.alloc(2_000_000, 32)));
    } else if (req.url?.startsWith('/api/stalled-error')) {
      // A refusal whose body never ends: the status must answer at once, not the attempt's timeout.
      res.writeHead(req.url.includes('429') ? 429 : 500, { 'retry-after': '30', 'content-length': '100000' });
      res.write('{"errors":[');
    } else if (req.url?.startsWith('/api/stall')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-remaining': '9' });
      res.end(JSON.stringify({ ok: true, snowman: '☃' }));
    }
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A request with no query, headers or body. */
const plain = (method: string, path: string, signal: AbortSignal = new AbortController().signal): WireRequest => ({
  method,
  path,
  searchParams: {},
  headers: {},
  signal,
});

describe('the undici wire', () => {
  it('sends method, path under the base path, query, lowercased headers and a JSON body; reads status and headers', async () => {
    const wire = undiciWire(base);
    const response = await wire({
      method: 'POST',
      path: 'contacts/search',
      searchParams: { q: 'ada lovelace', page: '2' },
      headers: { authorization: 'Bearer t', accept: 'application/json' },
      json: { query: { field: 'id' } },
      signal: new AbortController().signal,
    });
    const { text } = await readBody(response, { maxBytes: 1000, budget: new BodyBudget(10_000) }, 'INTERCOM', 'r');
    expect(response.status).toBe(200);
    expect(response.headers.get('X-RateLimit-Remaining')).toBe('9');
    expect(JSON.parse(text)).toEqual({ ok: true, snowman: '☃' });
    const request = seen.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/api/contacts/search?q=ada+lovelace&page=2');
    expect(request?.headers.authorization).toBe('Bearer t');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ query: { field: 'id' } });
    await wire.close();
  });

  it('answers a redirect as its status, never following it', async () => {
    const wire = undiciWire(base);
    const response = await wire(plain('GET', 'redirect'));
    expect(response.status).toBe(302);
    await response.cancel();
    expect(seen.filter((request) => request.url === '/api/elsewhere')).toHaveLength(0);
    await wire.close();
  });

  it('stops reading a chunked body past its cap, and gives the budget back', async () => {
    const wire = undiciWire(base);
    const budget = new BodyBudget(100_000);
    const response = await wire(plain('GET', 'big'));
    const error = await readBody(response, { maxBytes: 1000, budget }, 'BACKSIDE', 'GET /big').catch((e: unknown) => e);
    expect((error as AttemptFailure).error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(budget.used).toBe(0);
    await wire.close();
  });

  it('ends a stalled body when its signal aborts', async () => {
    const wire = undiciWire(base);
    const controller = new AbortController();
    const response = await wire(plain('GET', 'stall', controller.signal));
    setTimeout(() => controller.abort(new Error('deadline')), 50);
    const budget = new BodyBudget(100_000);
    await expect(readBody(response, { maxBytes: 1000, budget }, 'BACKSIDE', 'GET /stall')).rejects.toBeDefined();
    expect(budget.used).toBe(0);
    await wire.close();
  });

  it('names a refused connection by its code, as never sent (a write there is known not made)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const wire = undiciWire(`http://127.0.0.1:${port}`);
    const error = await wire(plain('POST', 'x')).catch((e: unknown) => e);
    expect(neverConnected(error)).toBe(true);
    // Through the transport: a plain UPSTREAM_UNAVAILABLE whose detail names the socket's code, not the URL.
    const http = new UpstreamHttp({
      source: 'BACKSIDE',
      baseUrl: `http://127.0.0.1:${port}`,
      headers: {},
      policy: { retries: 0 },
    });
    const failure = (await http.request('/contacts/1').catch((e: unknown) => e)) as { code: string; detail: string };
    expect(failure.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(failure.detail).toContain('ECONNREFUSED');
    expect(failure.detail).not.toContain('127.0.0.1');
    await http.close();
    await wire.close();
  });
});

/** The transport over the test server, with the gateway's credential `authorization` and `policy`. */
const transport = (policy: Partial<UpstreamPolicy> = {}, authorization?: string) =>
  new UpstreamHttp({
    source: 'BACKSIDE',
    baseUrl: base,
    headers: authorization ? { Authorization: authorization } : {},
    policy,
  });

describe('the undici wire, answers as upstreams send them', () => {
  it('asks for compressed answers, decodes them, and names itself', async () => {
    const http = transport({}, 'Bearer t');
    const response = await http.request<{ zipped: string }>('/gzip');
    expect(response.body?.zipped).toHaveLength(3000);
    const request = seen.at(-1);
    expect(request?.headers['accept-encoding']).toContain('gzip');
    expect(request?.headers['user-agent']).toMatch(/^contact-gateway\//);
    await http.close();
  });

  it('caps a compressed body by what it decodes to', async () => {
    const http = transport({ maxBodyBytes: 100_000 });
    const error = (await http.request('/bomb').catch((e: unknown) => e)) as { code: string };
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    await http.close();
  });

  it('answers a refusal by its status at once, even when its body stalls (a 429 opens no circuit)', async () => {
    const http = transport({ retries: 0, timeoutMs: 5000, breakerThreshold: 2 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const error = (await http.request('/stalled-error-429').catch((e: unknown) => e)) as { code: string };
      expect(error.code).toBe('UPSTREAM_RATE_LIMITED');
    }
    expect(Date.now() - started).toBeLessThan(2000);
    expect(http.breakerState()).toBe('closed');
    const error = (await http.request('/stalled-error-500').catch((e: unknown) => e)) as {
      code: string;
      detail: string;
    };
    expect(error.detail).toContain('HTTP 500');
    await http.close();
  });

  it("reads a caller's credential whatever its header name's case: its reads are its own", async () => {
    const http = transport({}, 'Bearer GATEWAY');
    const before = seen.length;
    await Promise.all([
      http.request('/who'),
      http.request('/who', {}, { headers: { authorization: 'Bearer TENANT' } }),
    ]);
    const sent = seen
      .slice(before)
      .map((request) => request.headers.authorization)
      .sort();
    expect(sent).toEqual(['Bearer GATEWAY', 'Bearer TENANT']);
    await http.close();
  });
});

describe('memoize', () => {
  it('answers a repeated key from memory, keeps null answers, and forgets the least recently used past its bytes', () => {
    let runs = 0;
    const upper = memoize(
      (value: string) => {
        runs += 1;
        return value === 'none' ? null : value.toUpperCase();
      },
      (value) => value,
      // Room for about three entries of these sizes (see entryBytes in src/memo.ts).
      3 * (2 * 3 + 2 * 3 + 120),
    );
    expect([upper('abc'), upper('abc'), upper('none'), upper('none')]).toEqual(['ABC', 'ABC', null, null]);
    expect(runs).toBe(2);
    for (const key of ['def', 'ghi', 'jkl', 'mno']) upper(key);
    runs = 0;
    upper('abc');
    expect(runs).toBe(1);
  });
});

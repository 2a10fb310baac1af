// Unit tests of the upstream HTTP layer with an injected fetch: retries, rate-limit waits, the circuit breaker, the
// body cap, and that no error or log carries a URL, token or upstream body.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../src/errors.js';
import type { UpstreamPolicy } from '../src/upstream/http/policy.js';
import { rateLimitWait } from '../src/upstream/http/rate-limit.js';
import { routeOf } from '../src/upstream/http/route.js';
import { UpstreamHttp } from '../src/upstream/http/upstream-http.js';

const SECRET = 'bsk_live_secret_token';

function scripted(answers: (() => Response | Promise<Response>)[]) {
  const calls: { url: string; method: string; auth: string | null }[] = [];
  const fetchFn = (async (input: Request | string | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    calls.push({ url: request.url, method: request.method, auth: request.headers.get('authorization') });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (!answer) throw new Error('no answer');
    return answer();
  }) as typeof fetch;
  return { calls, fetchFn };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function http(fetchFn: typeof fetch, policy: Partial<UpstreamPolicy> = {}, events: string[] = []) {
  return new UpstreamHttp({
    source: 'BACKSIDE',
    baseUrl: 'http://upstream.invalid',
    headers: { Authorization: `Bearer ${SECRET}` },
    policy: { backoffMs: 1, maxBackoffMs: 2, ...policy },
    onFailure: (event) => events.push(JSON.stringify(event)),
    fetch: fetchFn,
  });
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe('UpstreamHttp', () => {
  it('retries a read on 500 and answers the recovery', async () => {
    const { calls, fetchFn } = scripted([() => json({ error: 'x' }, 500), () => json({ ok: true })]);
    const response = await http(fetchFn).request('/api/v1/contacts/1');
    expect(response.body).toEqual({ ok: true });
    expect(calls).toHaveLength(2);
  });

  it('never retries 400, 401, 403 or 404, nor a POST that is not marked idempotent', async () => {
    for (const status of [400, 401, 403, 404]) {
      const { calls, fetchFn } = scripted([() => json({ error: { code: 'x', message: 'm' } }, status)]);
      await failure(http(fetchFn).request('/x'));
      expect(calls).toHaveLength(1);
    }
    const { calls, fetchFn } = scripted([() => json({}, 503)]);
    await failure(http(fetchFn).request('/x', { method: 'POST', json: {} }));
    expect(calls).toHaveLength(1);
  });

  it('waits out a short Retry-After and gives up at once on a long one', async () => {
    const short = scripted([() => json({}, 429, { 'retry-after': '0' }), () => json({ ok: 1 })]);
    expect((await http(short.fetchFn).request('/x')).body).toEqual({ ok: 1 });
    const long = scripted([() => json({}, 429, { 'retry-after': '120' })]);
    const started = Date.now();
    const error = await failure(http(long.fetchFn, { rateLimitWaitCapMs: 1000 }).request('/x'));
    expect(error.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(long.calls).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('reads Intercom’s X-RateLimit-Reset when there is no Retry-After', () => {
    const headers = new Headers({ 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 30) });
    expect(rateLimitWait(headers)).toBeGreaterThan(28_000);
    expect(rateLimitWait(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(rateLimitWait(new Headers())).toBeNull();
  });

  it('opens the circuit after a run of failures, answers at once while open, and closes after a good probe', async () => {
    let healthy = false;
    const { calls, fetchFn } = scripted([() => (healthy ? json({ ok: true }) : json({}, 503))]);
    const client = http(fetchFn, { retries: 0, breakerThreshold: 3, breakerCooldownMs: 100 });
    for (let i = 0; i < 3; i++) expect((await failure(client.request('/x'))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toHaveLength(3);
    const open = await failure(client.request('/x'));
    expect(open.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 120));
    healthy = true;
    expect((await client.request('/x')).body).toEqual({ ok: true });
    expect((await client.request('/x')).body).toEqual({ ok: true });
    expect(calls).toHaveLength(5);
  });

  it('turns a body that is not JSON, or too large, into UPSTREAM_BAD_RESPONSE', async () => {
    const html = scripted([
      () => new Response('<html>proxy error</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
    ]);
    expect((await failure(http(html.fetchFn).request('/x'))).code).toBe('UPSTREAM_BAD_RESPONSE');
    const big = scripted([() => new Response('x'.repeat(5000), { status: 200 })]);
    expect((await failure(http(big.fetchFn, { maxBodyBytes: 1000 }).request('/x'))).code).toBe('UPSTREAM_BAD_RESPONSE');
  });

  it('times out one attempt, retries, and reports UPSTREAM_TIMEOUT', async () => {
    const { calls, fetchFn } = scripted([
      () => new Promise<Response>(() => {}), // hangs
    ]);
    const error = await failure(http(fetchFn, { timeoutMs: 50, retries: 1 }).request('/x'));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(calls).toHaveLength(2);
  });

  it('keeps URLs, tokens and upstream bodies out of errors and failure events', async () => {
    const events: string[] = [];
    const { fetchFn } = scripted([
      () => json({ error: { code: 'x', message: `bad token ${SECRET} at http://upstream.invalid` } }, 401),
    ]);
    const error = await failure(http(fetchFn, {}, events).request('/api/v1/contacts/3c90c3cc-0d44'));
    const everything = JSON.stringify({ message: error.message, detail: error.detail, events });
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('upstream.invalid');
    expect(everything).not.toContain('bad token');
    expect(everything).not.toContain('3c90c3cc');
    expect(error.code).toBe('UPSTREAM_UNAUTHORIZED');
  });

  it('names routes without record ids', () => {
    expect(routeOf('GET', '/contacts/5ba682d23d7cf92bef87bfd4/notes?x=1')).toBe('GET /contacts/{id}/notes');
    expect(routeOf('GET', '/api/v1/contacts')).toBe('GET /api/v1/contacts');
  });
});

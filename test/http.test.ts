// Unit tests of the upstream HTTP layer with an injected fetch: retries, rate-limit waits, the circuit breaker, the
// body cap, and that no error or log carries a URL, token or upstream body.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../src/errors.js';
import { BodyBudget } from '../src/upstream/http/body.js';
import { DeadlineExceeded } from '../src/upstream/http/deadline.js';
import { AttemptFailure } from '../src/upstream/http/failure.js';
import type { UpstreamPolicy } from '../src/upstream/http/policy.js';
import { rateLimitWait } from '../src/upstream/http/rate-limit.js';
import { retryDelay } from '../src/upstream/http/retry.js';
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

  it('waits to the end of the second X-RateLimit-Reset names (one-second granularity)', () => {
    const now = 1_700_000_002_250; // 0.25 s into second …002
    expect(rateLimitWait(new Headers({ 'x-ratelimit-reset': '1700000004' }), now)).toBe(2750);
    expect(rateLimitWait(new Headers({ 'x-ratelimit-reset': '1700000001' }), now)).toBe(0);
    expect(rateLimitWait(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
  });

  it('gives up at once when a wait would not fit the budget, or names more than the cap', () => {
    const policy = { backoffMs: 100, maxBackoffMs: 1000, rateLimitWaitCapMs: 5000 };
    const limited = (waitMs: number) =>
      new AttemptFailure(GatewayError.upstream('UPSTREAM_RATE_LIMITED', 'INTERCOM'), { retryable: true, waitMs });
    expect(retryDelay(limited(3000), 1, 3, policy, 10_000, 0)).toBe(3000);
    expect(retryDelay(limited(3000), 1, 3, policy, 2_000, 0)).toBeNull();
    expect(retryDelay(limited(6000), 1, 3, policy, 60_000, 0)).toBeNull();
    expect(retryDelay(limited(10), 3, 3, policy, 60_000, 0)).toBeNull();
    const timedOut = new AttemptFailure(GatewayError.upstream('UPSTREAM_TIMEOUT', 'INTERCOM'), { retryable: true });
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wait = retryDelay(timedOut, attempt, 9, policy, 60_000, 0) as number;
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(Math.min(1000, 100 * 2 ** (attempt - 1)));
    }
  });

  it('cuts an attempt whose body never ends, even when the stream ignores the abort', async () => {
    const { calls, fetchFn } = scripted([
      () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"a":')) })),
    ]);
    const started = Date.now();
    const error = await failure(http(fetchFn, { timeoutMs: 100, retries: 1 }).request('/x'));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(calls).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('never follows a redirect', async () => {
    const { calls, fetchFn } = scripted([
      () => new Response(null, { status: 302, headers: { location: 'http://elsewhere.invalid/x' } }),
    ]);
    const error = await failure(http(fetchFn).request('/x'));
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(calls).toHaveLength(1);
  });

  it('keeps a circuit per credential: one key failing does not open it for another', async () => {
    const calls: string[] = [];
    const answers = (async (input: Request | string | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      calls.push(request.headers.get('authorization') ?? '');
      return request.headers.get('authorization') === 'Bearer tenant' ? json({}, 503) : json({ ok: true });
    }) as typeof fetch;
    const client = http(answers, { retries: 0, breakerThreshold: 2 });
    const tenant = client.scope({ headers: { Authorization: 'Bearer tenant' } });
    for (let i = 0; i < 3; i++) await failure(tenant.request('/x'));
    expect(calls).toHaveLength(2);
    expect((await client.request('/x')).body).toEqual({ ok: true });
    expect(calls).toHaveLength(3);
  });

  it('lets a waiter on a shared read leave at its own deadline, and cancels the read when the last one leaves', async () => {
    let aborted = false;
    const fetchFn = (async (input: Request | string | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      return new Promise<Response>((_resolve, reject) => {
        request.signal.addEventListener('abort', () => {
          aborted = true;
          reject(request.signal.reason);
        });
      });
    }) as typeof fetch;
    const client = http(fetchFn, { timeoutMs: 10_000 });
    const first = new AbortController();
    const second = new AbortController();
    const a = client.request('/x', {}, { signal: first.signal, deadline: Date.now() + 10_000 });
    const b = client.request('/x', {}, { signal: second.signal, deadline: Date.now() + 10_000 });
    first.abort(new DeadlineExceeded());
    expect((await failure(a)).code).toBe('UPSTREAM_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(aborted).toBe(false);
    second.abort(new DeadlineExceeded());
    expect((await failure(b)).code).toBe('UPSTREAM_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(aborted).toBe(true);
  });

  it('answers everyone at once while a half-open circuit is probed', async () => {
    let probe: (response: Response) => void = () => {};
    let state: 'failing' | 'probing' = 'failing';
    const { calls, fetchFn } = scripted([
      () => (state === 'failing' ? json({}, 503) : new Promise<Response>((resolve) => (probe = resolve))),
    ]);
    const client = http(fetchFn, { retries: 0, breakerThreshold: 1, breakerCooldownMs: 50 });
    await failure(client.request('/x'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    state = 'probing';
    const probing = client.request('/x');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    expect((await failure(client.request('/y'))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(50);
    expect(calls).toHaveLength(2);
    probe(json({ ok: true }));
    expect((await probing).body).toEqual({ ok: true });
  });

  it('keeps the gateway’s own circuit however many callers’ keys come and go', async () => {
    const { calls, fetchFn } = scripted([() => json({}, 503)]);
    const client = http(fetchFn, { retries: 0, breakerThreshold: 1, breakerCooldownMs: 60_000, maxCredentials: 2 });
    await failure(client.request('/x'));
    for (let i = 0; i < 5; i++)
      await failure(client.scope({ headers: { Authorization: `Bearer k${i}` } }).request('/x'));
    const before = calls.length;
    expect((await failure(client.request('/x'))).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toHaveLength(before);
  });

  it('bounds the bytes of bodies read at once across sources, and gives them back', async () => {
    const budget = new BodyBudget(3000);
    const big = () => new Response(JSON.stringify({ pad: 'x'.repeat(2000) }), { status: 200 });
    const a = new UpstreamHttp({
      source: 'BACKSIDE',
      baseUrl: 'http://a.invalid',
      headers: {},
      bodyBudget: budget,
      fetch: scripted([big]).fetchFn,
    });
    const b = new UpstreamHttp({
      source: 'INTERCOM',
      baseUrl: 'http://b.invalid',
      headers: {},
      bodyBudget: budget,
      fetch: scripted([big]).fetchFn,
    });
    expect(budget.take(2000)).toBe(true);
    expect((await failure(a.request('/x'))).code).toBe('UPSTREAM_UNAVAILABLE');
    budget.give(2000);
    expect((await a.request('/x')).body).toMatchObject({ pad: expect.any(String) });
    expect((await b.request('/x')).body).toMatchObject({ pad: expect.any(String) });
    expect(budget.used).toBe(0);
  });

  it('waits at least a second after a 429 that names no usable wait, and reads a fractional Retry-After', async () => {
    const { calls, fetchFn } = scripted([() => json({}, 429, { 'x-ratelimit-reset': 'abc' }), () => json({ ok: 1 })]);
    const started = Date.now();
    expect((await http(fetchFn).request('/x')).body).toEqual({ ok: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(calls).toHaveLength(2);
    expect(rateLimitWait(new Headers({ 'retry-after': '1.5' }))).toBe(1500);
  });

  it('never starts an attempt for a caller whose deadline passed while it waited for a slot', async () => {
    let release: (response: Response) => void = () => {};
    const { calls, fetchFn } = scripted([() => new Promise<Response>((resolve) => (release = resolve))]);
    const client = http(fetchFn, { retries: 0, concurrency: 1, timeoutMs: 10_000, dedupe: false });
    const first = client.request('/a');
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(new DeadlineExceeded()), 100);
    const second = client.request('/b', {}, { signal: waiting.signal, deadline: Date.now() + 100 });
    expect((await failure(second)).code).toBe('UPSTREAM_TIMEOUT');
    release(json({ ok: true }));
    expect((await first).body).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toHaveLength(1);
  });

  it('names routes without record ids', () => {
    expect(routeOf('GET', '/contacts/5ba682d23d7cf92bef87bfd4/notes?x=1')).toBe('GET /contacts/{id}/notes');
    expect(routeOf('GET', '/api/v1/contacts')).toBe('GET /api/v1/contacts');
    // A caller-chosen id with no digit is still a value, never a label of its own.
    expect(routeOf('GET', '/contacts/alice-secret-id')).toBe('GET /contacts/{id}');
    expect(routeOf('POST', '/contacts/search')).toBe('POST /contacts/search');
    expect(routeOf('GET', '/contacts/find_by_external_id/ext-abc')).toBe('GET /contacts/find_by_external_id/{id}');
  });
});

// Every upstream call bounded (issue 9): upstreams that stall, dribble, hang, redirect, rate limit or fail for one
// tenant, injected for real into the loopback fakes. Each test asserts the bound, the code, the upstream calls, and
// what the other source (or the other tenant) still got. The last test prints the table the README quotes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../src/yoga.js';
import { type Stack, startStack } from './helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const FAST = { timeoutMs: 300, retries: 2, backoffMs: 10, maxBackoffMs: 20, breakerThreshold: 50 };

async function start(gateway: Partial<GatewayOptions> = {}) {
  stack = await startStack({ gateway: { upstream: FAST, ...gateway } });
  return stack;
}

async function post(s: Stack, query: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await s.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: any; errors?: { path?: unknown[]; extensions?: any }[] };
  return { ...body, status: response.status, ms: performance.now() - started };
}

/** Both sources in one list: Backside's contacts must survive whatever Intercom does. */
const LIST = '{ contacts(first: 100) { nodes { source sourceId } } }';

function backsideNodes(answer: Awaited<ReturnType<typeof post>>): number {
  return (answer.data?.contacts?.nodes ?? []).filter((node: { source: string }) => node.source === 'BACKSIDE').length;
}

/** Sends the headers of a 200 and then never finishes the body; `dribbleMs` sends one more byte that often. */
function stall(res: ServerResponse, dribbleMs?: number) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"type":"list","data":[');
  if (dribbleMs === undefined) return;
  const timer = setInterval(() => res.write(' '), dribbleMs);
  res.once('close', () => clearInterval(timer));
}

const intercomError = (code: string) => JSON.stringify({ type: 'error.list', request_id: 'r1', errors: [{ code }] });

const table: string[] = [];
function note(fault: string, bound: string, ms: number, code: unknown, calls: number) {
  table.push(`| ${fault} | ${bound} | ${Math.round(ms)} ms | ${code ?? '(none)'} | ${calls} |`);
}

describe('every upstream call is bounded', () => {
  it.each([
    ['headers, then the body stalls', undefined],
    ['body dribbles 1 byte / 50 ms', 50],
  ])('%s: UPSTREAM_TIMEOUT per attempt (not reset by each byte), Backside kept', async (fault, dribbleMs) => {
    const s = await start();
    s.upstreams.intercom.use((_req, res) => {
      stall(res, dribbleMs);
      return true;
    });
    const answer = await post(s, LIST);
    const calls = s.upstreams.intercom.calls.length;
    note(fault, '3 attempts × 300 ms', answer.ms, answer.errors?.[0]?.extensions?.code, calls);
    expect(answer.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(calls).toBe(3);
    expect(answer.ms).toBeLessThan(3 * 300 + 500);
    expect(backsideNodes(answer)).toBeGreaterThan(0);
  });

  it('with the defaults, a source that never answers costs the request at most 15 s, the other source kept', async () => {
    // No overrides: UPSTREAM_DEFAULTS and REQUEST_BUDGET_MS as shipped.
    stack = await startStack({ gateway: { upstream: {} } });
    const s = stack;
    s.upstreams.intercom.use(() => true);
    const answer = await post(s, LIST);
    const calls = s.upstreams.intercom.calls.length;
    note('never answers, defaults', '15 s', answer.ms, answer.errors?.[0]?.extensions?.code, calls);
    expect(answer.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(answer.ms).toBeLessThan(15_000);
    expect(calls).toBe(3);
    expect(backsideNodes(answer)).toBeGreaterThan(0);
  }, 30_000);

  it('the request budget bounds a shared (deduplicated) read: 1 s budget, a 10 s attempt timeout', async () => {
    const s = await start({ requestBudgetMs: 1000, upstream: { ...FAST, timeoutMs: 10_000, dedupe: true } });
    s.upstreams.intercom.use(() => true);
    const answer = await post(s, LIST);
    const calls = s.upstreams.intercom.calls.length;
    note(
      'never answers, shared read, budget 1 s',
      '1 s budget',
      answer.ms,
      answer.errors?.[0]?.extensions?.code,
      calls,
    );
    expect(answer.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(answer.ms).toBeGreaterThanOrEqual(900);
    expect(answer.ms).toBeLessThan(1600);
    expect(calls).toBe(1);
    expect(backsideNodes(answer)).toBeGreaterThan(0);
  });

  it('each waiter on a shared read leaves at its own deadline; the call is cancelled when the last one leaves', async () => {
    const s = await start({
      requestBudgetMs: 1000,
      dedupeOperations: false,
      upstream: { ...FAST, timeoutMs: 10_000, dedupe: true },
    });
    const id = s.upstreams.seed.intercom.contacts[0]?.id as string;
    let socketClosedAt = 0;
    s.upstreams.intercom.use((req) => {
      req.socket.once('close', () => {
        socketClosedAt = performance.now();
      });
      return true;
    });
    const query = `{ contactBySourceId(source: INTERCOM, sourceId: "${id}") { sourceId } }`;
    const started = performance.now();
    const first = post(s, query);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const second = post(s, query);
    const [a, b] = await Promise.all([first, second]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(b.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    // One upstream call for both; each answered at its own deadline, not the other's.
    expect(s.upstreams.intercom.count({ path: `/contacts/${id}` })).toBe(1);
    expect(a.ms).toBeLessThan(1300);
    expect(b.ms).toBeGreaterThanOrEqual(900);
    expect(b.ms).toBeLessThan(1300);
    // The shared call outlived the first waiter and was cancelled when the second left.
    expect(socketClosedAt - started).toBeGreaterThan(1300);
    expect(socketClosedAt - started).toBeLessThan(1900);
    note('shared read, waiters 400 ms apart', 'each its own 1 s', b.ms, b.errors?.[0]?.extensions?.code, 1);
  });
});

describe('one source hanging never costs the other its part of the answer', () => {
  it('a list: a hanging Backside (walked first) leaves Intercom its share of the budget', async () => {
    const s = await start({ requestBudgetMs: 2000, upstream: { ...FAST, timeoutMs: 10_000 } });
    s.upstreams.backside.use(() => true);
    const answer = await post(s, LIST);
    const nodes = (answer.data?.contacts?.nodes ?? []) as { source: string }[];
    note(
      'Backside never answers, list of both',
      '2 s budget, half each',
      answer.ms,
      answer.errors?.[0]?.extensions?.code,
      s.upstreams.backside.calls.length,
    );
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_TIMEOUT',
      source: 'BACKSIDE',
      requestId: expect.any(String),
    });
    expect(nodes.filter((node) => node.source === 'INTERCOM').length).toBeGreaterThan(0);
    expect(answer.ms).toBeLessThan(2300);
  });

  it('person: a failing source leaves the other source’s records, with an error for the failing one', async () => {
    const s = await start({ upstream: { ...FAST, retries: 0 } });
    const email = s.upstreams.seed.intercom.contacts.find((contact) => contact.email)?.email as string;
    s.upstreams.backside.use((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"internal","message":"boom"}}');
      return true;
    });
    const answer = await post(
      s,
      `{ person(email: "${email}") { key contacts { source } } sources { source configured } }`,
    );
    expect(answer.data?.person?.contacts.map((c: { source: string }) => c.source)).toContain('INTERCOM');
    expect(answer.data?.sources).toHaveLength(2);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0]).toMatchObject({
      path: ['person'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'BACKSIDE' },
    });
  });

  it('an open circuit stops calls that were already queued for a slot', async () => {
    const s = await start({
      dedupeOperations: false,
      upstream: { ...FAST, timeoutMs: 300, retries: 0, concurrency: 2, breakerThreshold: 2, breakerCooldownMs: 60_000 },
    });
    s.upstreams.intercom.use(() => true);
    const ids = s.upstreams.seed.intercom.contacts.slice(0, 10).map((contact) => contact.id);
    const answers = await Promise.all(
      ids.map((id) => post(s, `{ contactBySourceId(source: INTERCOM, sourceId: "${id}") { sourceId } }`)),
    );
    // Two slots: the first two time out and open the circuit (one queued call may get a slot between those two
    // failures); the rest queued behind them are refused, not sent. Before, all ten went out.
    expect(s.upstreams.intercom.calls.length).toBeLessThanOrEqual(3);
    for (const answer of answers) expect(answer.errors?.[0]?.extensions?.source).toBe('INTERCOM');
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(800);
  });
});

describe('redirects are never followed', () => {
  let other: Server;
  let otherUrl = '';
  const seen: string[] = [];
  afterAll(() => other?.close());

  async function startOther() {
    other ??= createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"type":"list","data":[]}');
    });
    if (!other.listening) await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  }

  it.each([301, 302, 303, 307, 308])(
    '%i on a read and on a search: UPSTREAM_BAD_RESPONSE, the other host gets nothing',
    async (status) => {
      await startOther();
      const s = await start();
      s.upstreams.intercom.use((req, res) => {
        res.writeHead(status, { location: `${otherUrl}${req.url}` });
        res.end();
        return true;
      });
      const list = await post(s, LIST);
      // A filter makes Intercom a POST /contacts/search, whose body (the searched email) a 307 would carry along.
      const search = await post(
        s,
        '{ contacts(first: 5, sources: [INTERCOM], filter: { email: "secret@example.com" }) { nodes { id } } }',
      );
      const calls = s.upstreams.intercom.calls.length;
      if (status === 307) note('307 to another host', 'no retry', list.ms, list.errors?.[0]?.extensions?.code, calls);
      expect(list.errors?.[0]?.extensions).toEqual({
        code: 'UPSTREAM_BAD_RESPONSE',
        source: 'INTERCOM',
        requestId: expect.any(String),
      });
      expect(search.errors?.[0]?.extensions).toEqual({
        code: 'UPSTREAM_BAD_RESPONSE',
        source: 'INTERCOM',
        requestId: expect.any(String),
      });
      expect(backsideNodes(list)).toBeGreaterThan(0);
      expect(calls).toBe(2);
      expect(seen).toEqual([]);
      expect(JSON.stringify([list, search])).not.toContain(otherUrl);
    },
  );
});

describe('isolation per upstream credential', () => {
  const TENANT = { 'x-backside-api-key': 'bsk_test_other' };
  const ONE = '{ contacts(first: 1, sources: [BACKSIDE]) { nodes { sourceId } } }';
  const byTenant = (s: Stack) =>
    s.upstreams.backside.calls.filter((call) => call.headers.authorization === 'Bearer bsk_test_other').length;

  it('a tenant key whose calls fail opens the circuit for that key only', async () => {
    const s = await start({
      backsideKeyHeader: 'X-Backside-Api-Key',
      upstream: { ...FAST, retries: 0, breakerThreshold: 3 },
    });
    s.upstreams.backside.use((req, res) => {
      if (req.headers.authorization !== 'Bearer bsk_test_other') return false;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"unavailable","message":"down"}}');
      return true;
    });
    for (let i = 0; i < 3; i++) await post(s, ONE, TENANT);
    expect(byTenant(s)).toBe(3);
    const refused = await post(s, ONE, TENANT);
    note('tenant key failing (circuit open)', 'at once', refused.ms, refused.errors?.[0]?.extensions?.code, 0);
    expect(refused.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      source: 'BACKSIDE',
      requestId: expect.any(String),
    });
    expect(refused.ms).toBeLessThan(100);
    expect(byTenant(s)).toBe(3);
    // Everyone else still reads Backside.
    const before = s.upstreams.backside.calls.length;
    const ours = await post(s, ONE);
    expect(ours.errors).toBeUndefined();
    expect(ours.data?.contacts.nodes).toHaveLength(1);
    expect(s.upstreams.backside.calls.length).toBe(before + 1);
  });

  it('a tenant key whose calls hang takes only its own concurrency slots', async () => {
    const s = await start({
      backsideKeyHeader: 'X-Backside-Api-Key',
      requestBudgetMs: 3000,
      dedupeOperations: false,
      upstream: { ...FAST, timeoutMs: 2000, retries: 0, concurrency: 2 },
    });
    s.upstreams.backside.use((req) => req.headers.authorization === 'Bearer bsk_test_other');
    const ids = s.upstreams.seed.backside.contacts.slice(0, 6).map((contact) => contact.id);
    const stuck = ids.map((id) =>
      post(s, `{ contactBySourceId(source: BACKSIDE, sourceId: "${id}") { sourceId } }`, TENANT),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Two slots for the tenant: the rest of its calls wait in its own queue.
    expect(byTenant(s)).toBe(2);
    const ours = await post(s, ONE);
    note('tenant key hanging, 6 calls', 'others unaffected', ours.ms, ours.errors?.[0]?.extensions?.code, 1);
    expect(ours.errors).toBeUndefined();
    expect(ours.data?.contacts.nodes).toHaveLength(1);
    expect(ours.ms).toBeLessThan(500);
    const answers = await Promise.all(stuck);
    for (const answer of answers) {
      expect(answer.errors?.[0]?.extensions?.source).toBe('BACKSIDE');
      expect(['UPSTREAM_TIMEOUT']).toContain(answer.errors?.[0]?.extensions?.code);
      expect(answer.ms).toBeLessThan(3600);
    }
  });
});

describe('rate-limit waits within the budget', () => {
  it('an X-RateLimit-Reset two seconds away (whole seconds) is waited, not answered at once', async () => {
    // The default cap (5 s): Intercom names resets in whole seconds over 10-second windows.
    const s = await start();
    const reset = Math.floor(Date.now() / 1000) + 2;
    let limited = false;
    s.upstreams.intercom.use((_req, res) => {
      if (limited) return false;
      limited = true;
      res.writeHead(429, { 'content-type': 'application/json', 'x-ratelimit-reset': String(reset) });
      res.end(intercomError('rate_limit_exceeded'));
      return true;
    });
    const answer = await post(s, '{ contacts(first: 5, sources: [INTERCOM]) { nodes { sourceId } } }');
    const calls = s.upstreams.intercom.calls.length;
    note('429, X-RateLimit-Reset +2 s', 'cap 5 s', answer.ms, answer.errors?.[0]?.extensions?.code, calls);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.contacts.nodes).toHaveLength(5);
    expect(calls).toBe(2);
    // Not before the named second was over.
    expect(Date.now()).toBeGreaterThanOrEqual((reset + 1) * 1000);
    expect(answer.ms).toBeLessThan(4500);
  });

  it('a reset beyond what is left of the budget: UPSTREAM_RATE_LIMITED at once', async () => {
    const s = await start({ requestBudgetMs: 2000, upstream: { ...FAST, rateLimitWaitCapMs: 5000 } });
    const reset = Math.floor(Date.now() / 1000) + 3;
    s.upstreams.intercom.use((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'x-ratelimit-reset': String(reset) });
      res.end(intercomError('rate_limit_exceeded'));
      return true;
    });
    const answer = await post(s, LIST);
    const calls = s.upstreams.intercom.calls.length;
    note('429, reset past the budget', 'at once', answer.ms, answer.errors?.[0]?.extensions?.code, calls);
    expect(answer.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_RATE_LIMITED',
      source: 'INTERCOM',
      requestId: expect.any(String),
    });
    expect(answer.ms).toBeLessThan(300);
    expect(calls).toBe(1);
    expect(backsideNodes(answer)).toBeGreaterThan(0);
  });

  it('prints the measured table', () => {
    console.info(
      ['| fault | bound | measured | code | upstream calls |', '|---|---|---|---|---|', ...table].join('\n'),
    );
    expect(table.length).toBeGreaterThanOrEqual(10);
  });
});

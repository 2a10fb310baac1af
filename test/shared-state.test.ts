// Issue 13, parts 1–3: two gateways (createGateway, in-process) over one set of loopback fakes and one real
// redis-server share the response cache, the tag list, APQ, idempotency keys, write generations, learned 429 resets
// and the rate budget; Redis killed mid-run degrades to memory (no 5xx) and Redis back makes them shared again.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_BACKSIDE_API_KEY,
  DEMO_INTERCOM_TOKEN,
  type DemoUpstreams,
  startDemoUpstreams,
} from '../src/demo/index.js';
import { RateBudget } from '../src/shared/rate-budget.js';
import { LearnedResets } from '../src/shared/rate-resets.js';
import { SharedStore } from '../src/shared/redis.js';
import type { UpstreamCallEvent, UpstreamObserver } from '../src/upstream/http/observer.js';
import { RedisIdempotencyStore } from '../src/writes/redis-idempotency.js';
import { createGateway, type Gateway, type GatewayOptions } from '../src/yoga.js';
import { hasRedis, startRedis as startTestRedis } from './helpers/redis.js';
import { freePort } from './helpers/spawn-gateway.js';
import type { GraphQLResponse } from './helpers/stack.js';

/** redis-server on that port (the same port again restarts it there). */
const startRedis = async (port: number): Promise<ChildProcess> => (await startTestRedis(port)).child;

if (!hasRedis)
  console.warn('shared-state.test.ts skipped: redis-server is not installed (apt-get install redis-server)');

/** A client for the test itself (clearing keys, blocking Redis); quiet when Redis is gone. */
function adminClient(port: number): Redis {
  const admin = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
  admin.on('error', () => {});
  return admin;
}

async function until(what: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Client {
  gateway: Gateway;
  query<T = Record<string, any>>(
    query: string | undefined,
    variables?: Record<string, unknown>,
    extensions?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T> & { status: number }>;
}

function client(gateway: Gateway): Client {
  return {
    gateway,
    async query(query, variables, extensions) {
      const response = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables, extensions }),
      });
      return { status: response.status, ...((await response.json()) as GraphQLResponse<any>) };
    },
  };
}

describe.skipIf(!hasRedis)('two gateways sharing one Redis', () => {
  let upstreams: DemoUpstreams;
  let port: number;
  let redis: ChildProcess;
  let url: string;
  const gateways: Gateway[] = [];
  let a: Client;
  let b: Client;

  const make = (options: Partial<GatewayOptions> = {}): Client => {
    const gateway = createGateway({
      backside: { baseUrl: upstreams.backside.url, apiKey: DEMO_BACKSIDE_API_KEY },
      intercom: { baseUrl: upstreams.intercom.url, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' },
      upstream: { timeoutMs: 5000, concurrency: 8 },
      defaultRegion: 'US',
      graphiql: false,
      logging: false,
      redisUrl: url,
      responseCacheTtlMs: 30_000,
      ...options,
    });
    gateways.push(gateway);
    return client(gateway);
  };
  const calls = () => ({ backside: upstreams.backside.calls.length, intercom: upstreams.intercom.calls.length });
  const reset = () => {
    upstreams.backside.reset();
    upstreams.intercom.reset();
  };

  beforeAll(async () => {
    upstreams = await startDemoUpstreams();
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = await startRedis(port);
    a = make();
    b = make();
    await until(() => a.gateway.health().redis === 'ok' && b.gateway.health().redis === 'ok');
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.dispose();
    redis?.kill('SIGKILL');
    await upstreams?.close();
  });

  it('reports health: Redis ok, each source’s circuit closed', () => {
    expect(a.gateway.health()).toEqual({ redis: 'ok', sources: { BACKSIDE: 'closed', INTERCOM: 'closed' } });
  });

  it('serves a response cached by one gateway from the other with zero upstream calls', async () => {
    const query = '{ contacts(first: 3, sources: [BACKSIDE]) { edges { node { id displayName } } } }';
    reset();
    const first = await a.query(query);
    expect(first.errors).toBeUndefined();
    expect(calls().backside).toBeGreaterThan(0);
    reset();
    const second = await b.query(query);
    expect(second).toEqual(first);
    expect(calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('shares the Intercom tag list: one GET /tags for both gateways', async () => {
    reset();
    // Different documents, so that the response cache is not what answers.
    const one = await a.query('{ contacts(first: 2, sources: [INTERCOM]) { edges { node { id tags { name } } } } }');
    const two = await b.query('{ contacts(first: 4, sources: [INTERCOM]) { edges { node { id tags { name } } } } }');
    expect(one.errors).toBeUndefined();
    expect(two.errors).toBeUndefined();
    expect(upstreams.intercom.count({ method: 'GET', path: '/tags' })).toBe(1);
  });

  it('shares an APQ registration', async () => {
    const query = '{ sources { source } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    const registered = await a.query(query, undefined, { persistedQuery });
    expect(registered.errors).toBeUndefined();
    const byHash = await b.query(undefined, undefined, { persistedQuery });
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual(registered.data);
  });

  it('replays an idempotent create sent to the other gateway, writing once', async () => {
    const CREATE = `mutation ($input: CreateContactInput!) {
      createContact(input: $input) { contact { id } userErrors { code } }
    }`;
    const input = { source: 'BACKSIDE', givenName: 'Fleet', familyName: 'Once', idempotencyKey: 'fleet-1' };
    reset();
    const first = await a.query(CREATE, { input });
    const again = await b.query(CREATE, { input });
    expect(first.data?.createContact.userErrors).toEqual([]);
    expect(again.data).toEqual(first.data);
    expect(upstreams.backside.count({ method: 'POST', path: '/api/v1/contacts' })).toBe(1);
    // Sent to both at once: still one write.
    const twin = { ...input, givenName: 'Fleet2', idempotencyKey: 'fleet-2' };
    reset();
    const [x, y] = await Promise.all([a.query(CREATE, { input: twin }), b.query(CREATE, { input: twin })]);
    expect(x.data).toEqual(y.data);
    expect(upstreams.backside.count({ method: 'POST', path: '/api/v1/contacts' })).toBe(1);
  });

  it('a write through one gateway puts the other’s cached answers out of reach', async () => {
    const listed = await a.query('{ contacts(first: 1, sources: [INTERCOM]) { edges { node { id } } } }');
    const id = listed.data?.contacts.edges[0].node.id as string;
    const read = `{ contact(id: "${id}") { id displayName } }`;
    await b.query(read);
    reset();
    expect((await b.query(read)).data).toBeDefined();
    expect(calls()).toEqual({ backside: 0, intercom: 0 });
    const UPDATE = `mutation ($input: UpdateContactInput!) {
      updateContact(input: $input) { contact { displayName } userErrors { code } }
    }`;
    const updated = await a.query(UPDATE, { input: { id, name: 'Renamed Everywhere' } });
    expect(updated.data?.updateContact.userErrors).toEqual([]);
    reset();
    const after = await b.query(read);
    expect(after.data?.contact.displayName).toBe('Renamed Everywhere');
    expect(calls().intercom).toBeGreaterThan(0);
  });

  it('a 429 learned by one gateway makes the other refuse without calling', async () => {
    // Fresh gateways (fresh memory) without the response cache; Retry-After past the 5 s wait cap: refuse, not wait.
    const c = make({ responseCacheTtlMs: 0 });
    const d = make({ responseCacheTtlMs: 0 });
    await until(() => c.gateway.health().redis === 'ok' && d.gateway.health().redis === 'ok');
    let answered = 0;
    const stop = upstreams.backside.use((_req, res) => {
      answered += 1;
      res.writeHead(429, { 'retry-after': '8', 'content-type': 'application/json' });
      res.end('{"error":"rate limited"}');
      return true;
    });
    try {
      reset();
      const first = await c.query('{ contacts(first: 1, sources: [BACKSIDE]) { edges { node { id } } } }');
      expect(first.errors?.[0]?.extensions?.code).toBe('UPSTREAM_RATE_LIMITED');
      expect(answered).toBe(1);
      reset();
      const second = await d.query('{ contacts(first: 2, sources: [BACKSIDE]) { edges { node { id } } } }');
      expect(second.status).toBe(200);
      expect(second.errors?.[0]?.extensions?.code).toBe('UPSTREAM_RATE_LIMITED');
      expect(calls().backside).toBe(0);
    } finally {
      stop();
      // Forget the learned reset in Redis, so that the credential is usable by the tests after this one.
      const admin = adminClient(port);
      const keys = await admin.keys('cg:429:*');
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    }
  });

  it('a short 429 learned by one gateway makes the other wait for its reset before calling', async () => {
    const c = make({ responseCacheTtlMs: 0 });
    const waits: number[] = [];
    const retries: boolean[] = [];
    const d = make({
      responseCacheTtlMs: 0,
      observer: {
        rateLimitWait: (_source, waitMs, refused) => {
          if (!refused) waits.push(waitMs);
        },
        retry: (_source, _route, _waitMs, rateLimited) => retries.push(rateLimited),
      },
    });
    await until(() => c.gateway.health().redis === 'ok' && d.gateway.health().redis === 'ok');
    const at: number[] = [];
    let limited = false;
    const stop = upstreams.backside.use((_req, res) => {
      at.push(Date.now());
      if (limited) return false;
      limited = true;
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
      res.end('{"error":"rate limited"}');
      return true;
    });
    try {
      const started = Date.now();
      const first = c.query('{ contacts(first: 1, sources: [BACKSIDE]) { edges { node { id } } } }');
      await until(() => at.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = await d.query('{ contacts(first: 2, sources: [BACKSIDE]) { edges { node { id } } } }');
      expect((await first).errors).toBeUndefined();
      expect(second.errors).toBeUndefined();
      // Every call after the 429 went at or after its reset (1 s), on either gateway.
      expect(at.slice(1).every((time) => time - started >= 950)).toBe(true);
      expect(waits.length).toBeGreaterThan(0);
      expect(retries).toEqual([]);
    } finally {
      stop();
    }
  });

  it('a slow Redis (blocked 1 s) is a down one: answers from memory, no 5xx, then ok again', async () => {
    const g = make({ responseCacheTtlMs: 0 });
    await until(() => g.gateway.health().redis === 'ok');
    const admin = adminClient(port);
    await admin.ping();
    // Every client's commands held for a second (DEBUG SLEEP is disabled by default in Redis 7).
    await admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const answer = await g.query(
      '{ contacts(first: 11, sources: [INTERCOM]) { edges { node { id tags { name } } } } }',
    );
    const tookMs = Date.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.errors).toBeUndefined();
    expect(g.gateway.health().redis).toBe('down');
    console.log(`slow redis: answered in ${tookMs} ms while Redis was blocked; health down`);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await g.query('{ contacts(first: 12, sources: [INTERCOM]) { edges { node { id tags { name } } } } }');
    expect(g.gateway.health().redis).toBe('ok');
    admin.disconnect();
  });

  it('holds a 30-a-minute Backside budget over two gateways under concurrent load', async () => {
    const e = make({ responseCacheTtlMs: 0, rateLimitPerMinute: { BACKSIDE: 30 }, requestBudgetMs: 2000, replicas: 2 });
    const f = make({ responseCacheTtlMs: 0, rateLimitPerMinute: { BACKSIDE: 30 }, requestBudgetMs: 2000, replicas: 2 });
    await until(() => e.gateway.health().redis === 'ok' && f.gateway.health().redis === 'ok');
    // The budget's counter is per credential: start from an empty window (other tests made calls without a budget).
    const admin = adminClient(port);
    const keys = await admin.keys('cg:rl:*');
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    reset();
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        (i % 2 ? e : f).query(`{ contactBySourceId(source: BACKSIDE, sourceId: "budget-${i}") { id } }`),
      ),
    );
    const counted = upstreams.backside.calls.length;
    const limited = answers.filter((answer) => answer.errors?.[0]?.extensions?.code === 'UPSTREAM_RATE_LIMITED');
    console.log(`budget: ${counted} Backside calls for 80 requests, ${limited.length} UPSTREAM_RATE_LIMITED`);
    expect(counted).toBeLessThanOrEqual(30);
    expect(counted).toBeGreaterThan(20);
    expect(limited.length).toBeGreaterThanOrEqual(80 - 30);
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
  });

  it('Redis killed: no 5xx, health down, answered from memory; restarted: shared again', async () => {
    const logged: string[] = [];
    const logger = {
      debug: () => {},
      info: (message: string) => logged.push(`info ${message}`),
      warn: (message: string) => logged.push(`warn ${message}`),
      error: (message: string) => logged.push(`error ${message}`),
    };
    const g = make({ logging: logger });
    const h = make({ logging: logger });
    await until(() => g.gateway.health().redis === 'ok' && h.gateway.health().redis === 'ok');
    redis.kill('SIGKILL');
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? g : h).query(`{ contacts(first: ${1 + (i % 5)}, sources: [BACKSIDE]) { edges { node { id } } } }`),
      ),
    );
    const tookMs = Date.now() - started;
    expect(answers.every((answer) => answer.status === 200 && answer.errors === undefined)).toBe(true);
    await until(() => g.gateway.health().redis === 'down' && h.gateway.health().redis === 'down');
    // Still served while down: an idempotent create (per process now) and a cached answer from memory.
    const CREATE = `mutation ($input: CreateContactInput!) { createContact(input: $input) { contact { id } userErrors { code } } }`;
    const input = { source: 'BACKSIDE', givenName: 'Down', familyName: 'Time', idempotencyKey: 'down-1' };
    const created = await g.query(CREATE, { input });
    const replayed = await g.query(CREATE, { input });
    expect(replayed.data).toEqual(created.data);
    const query = '{ contacts(first: 7, sources: [BACKSIDE]) { edges { node { id } } } }';
    await g.query(query);
    reset();
    expect((await g.query(query)).errors).toBeUndefined();
    expect(calls().backside).toBe(0);
    console.log(
      `redis down: 20 requests answered 200 without errors in ${tookMs} ms; health ${g.gateway.health().redis}`,
    );

    redis = await startRedis(port);
    await until(() => g.gateway.health().redis === 'ok' && h.gateway.health().redis === 'ok', 5_000);
    const shared = '{ contacts(first: 9, sources: [BACKSIDE]) { edges { node { id } } } }';
    await g.query(shared);
    reset();
    const fromOther = await h.query(shared);
    expect(fromOther.errors).toBeUndefined();
    expect(calls()).toEqual({ backside: 0, intercom: 0 });
    // One line when it went down and one when it came back, per gateway (a command timing out under a loaded machine
    // is a down too, with its own pair of lines): never a line per failed command.
    const downs = logged.filter((line) => line.startsWith('warn redis down')).length;
    const backs = logged.filter((line) => line.startsWith('info redis back')).length;
    expect(downs).toBeGreaterThanOrEqual(2);
    expect(backs).toBeGreaterThanOrEqual(2);
    expect(downs).toBeLessThanOrEqual(4);
    expect(logged.every((line) => !line.includes(String(port)))).toBe(true);
  });
});

describe.skipIf(!hasRedis)('the pieces', () => {
  let port: number;
  let redis: ChildProcess;
  let store: SharedStore;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    store = new SharedStore({ url: `redis://127.0.0.1:${port}`, prefix: 'unit:' });
    await store.ready();
  });
  afterAll(async () => {
    await store?.close();
    redis?.kill('SIGKILL');
  });

  it('SharedStore: unreachable Redis answers undefined at once and reports down, never throws', async () => {
    const dead = new SharedStore({ url: `redis://127.0.0.1:${await freePort()}` });
    const started = Date.now();
    expect(await dead.run((client) => client.get('x'))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(100);
    await until(() => dead.health() === 'down');
    await dead.close();
  });

  it('RateBudget: takes tokens until the window is spent, then names the wait; memory when no Redis', async () => {
    const shared = new RateBudget({ perMinute: { BACKSIDE: 3 }, replicas: 1, store });
    const takes = [];
    for (let i = 0; i < 4; i++) takes.push(await shared.take('BACKSIDE', 'cred-unit'));
    expect(takes.slice(0, 3)).toEqual([0, 0, 0]);
    expect(takes[3]).toBeGreaterThan(50_000);
    expect(await shared.take('INTERCOM', 'cred-unit')).toBe(0);
    const local = new RateBudget({ perMinute: { BACKSIDE: 1 }, replicas: 1 });
    expect(await local.take('BACKSIDE', 'x')).toBe(0);
    expect(await local.take('BACKSIDE', 'x')).toBeGreaterThan(0);
  });

  it('RateBudget: Redis unreachable, each replica counts budget ÷ replicas in memory', async () => {
    const dead = new SharedStore({ url: `redis://127.0.0.1:${await freePort()}` });
    const budget = new RateBudget({ perMinute: { BACKSIDE: 4 }, replicas: 2, store: dead });
    const takes = [];
    for (let i = 0; i < 3; i++) takes.push(await budget.take('BACKSIDE', 'cred-down'));
    expect(takes.slice(0, 2)).toEqual([0, 0]);
    expect(takes[2]).toBeGreaterThan(0);
    await dead.close();
  });

  it('LearnedResets: one replica’s reset is every replica’s', async () => {
    const one = new LearnedResets(store);
    const two = new LearnedResets(store);
    const at = Date.now() + 2_000;
    one.learn('INTERCOM', 'cred-r', at);
    await until(() => true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await two.resetAt('INTERCOM', 'cred-r')).toBe(at);
    expect(await two.resetAt('BACKSIDE', 'cred-r')).toBe(0);
  });

  it('RedisIdempotencyStore: replays across stores, conflicts on other input, waits for one in flight', async () => {
    const one = new RedisIdempotencyStore(store);
    const two = new RedisIdempotencyStore(store);
    const scope = { caller: 'c', mutation: 'createContact', key: `k-${Date.now()}` };
    let runs = 0;
    const slow = () =>
      new Promise<{ id: string }>((resolve) => {
        runs += 1;
        setTimeout(() => resolve({ id: 'x1' }), 150);
      });
    const [first, second] = await Promise.all([one.run(scope, 'd1', slow), two.run(scope, 'd1', slow)]);
    expect(runs).toBe(1);
    expect(first).toEqual({ conflict: false, value: { id: 'x1' }, replayed: false });
    expect(second).toEqual({ conflict: false, value: { id: 'x1' }, replayed: true });
    expect(await two.run(scope, 'd2', slow)).toEqual({ conflict: true });
    // A failure is not kept: the next call runs.
    const failing = { ...scope, key: `${scope.key}-f` };
    await expect(one.run(failing, 'd', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await two.run(failing, 'd', async () => 'ok')).toEqual({ conflict: false, value: 'ok', replayed: false });
  });

  it('the breaker: its changes told to the observer, its state in gateway.health()', async () => {
    const states: string[] = [];
    const retries: number[] = [];
    const upstreams = await startDemoUpstreams();
    const stop = upstreams.intercom.use((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"type":"error.list","errors":[]}');
      return true;
    });
    const gateway = createGateway({
      intercom: { baseUrl: upstreams.intercom.url, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' },
      upstream: { breakerThreshold: 2, retries: 1, backoffMs: 1, maxBackoffMs: 1 },
      graphiql: false,
      logging: false,
      observer: {
        breaker: (source, state) => states.push(`${source} ${state}`),
        retry: (_source, _route, waitMs) => retries.push(waitMs),
      },
    });
    expect(gateway.health()).toEqual({ redis: 'off', sources: { INTERCOM: 'closed' } });
    await client(gateway).query('{ contacts(first: 2, sources: [INTERCOM]) { edges { node { id } } } }');
    expect(states).toEqual(['INTERCOM open']);
    expect(retries.length).toBe(1);
    expect(gateway.health().sources.INTERCOM).toBe('open');
    stop();
    await gateway.dispose();
    await upstreams.close();
  });

  it('the transport tells its observer of calls: network, cache, and attempts', async () => {
    const events: UpstreamCallEvent[] = [];
    const attempts: number[] = [];
    const observer: UpstreamObserver = {
      startCall: () => (event) => events.push(event),
      attempt: (event) => attempts.push(event.status ?? 0),
    };
    const upstreams = await startDemoUpstreams();
    const gateway = createGateway({
      intercom: { baseUrl: upstreams.intercom.url, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' },
      graphiql: false,
      logging: false,
      observer,
    });
    const ask = client(gateway);
    await ask.query('{ contacts(first: 2, sources: [INTERCOM]) { edges { node { id tags { name } } } } }');
    await ask.query('{ contacts(first: 3, sources: [INTERCOM]) { edges { node { id tags { name } } } } }');
    const tags = events.filter((event) => event.route === 'GET /tags');
    expect(tags.map((event) => event.servedBy)).toEqual(['network', 'cache']);
    expect(tags[0]).toMatchObject({ source: 'INTERCOM', status: 200, attempts: 1, code: null });
    expect(attempts.length).toBeGreaterThan(0);
    await gateway.dispose();
    await upstreams.close();
  });
});

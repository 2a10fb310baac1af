// contactChanged (issue 14): over SSE (plain fetch reading text/event-stream), graphql-ws and Apollo Client's
// GraphQLWsLink; writes through the gateway published with their kind; filters and credentials applied before any read;
// one upstream read per event for many subscribers of one credential; a slow subscriber's bounded queue; the bus per
// process in memory and across replicas with Redis; publish-to-delivery latency.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloClient, gql, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DEMO_BACKSIDE_OTHER_KEY, startDemoUpstreams } from '../src/demo/index.js';
import type { ContactChangeEvent } from '../src/events/event.js';
import type { MemoryChangeBus } from '../src/events/memory-bus.js';
import { attachWebSockets } from '../src/ws.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { hasRedis, startRedis } from './helpers/redis.js';
import { freePort } from './helpers/spawn-gateway.js';
import { type Stack, startStack } from './helpers/stack.js';

const CHANGES = `subscription Changes($sources: [Source!], $ids: [ID!]) {
  contactChanged(sources: $sources, ids: $ids) {
    kind source sourceId contactId occurredAt origin mergedIntoId
    contact { id displayName }
  }
}`;
/** Without `contact`: nothing is read upstream. */
const BARE = `subscription Bare($sources: [Source!], $ids: [ID!]) {
  contactChanged(sources: $sources, ids: $ids) { kind source sourceId origin }
}`;

type Result = { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** An SSE subscription through `gateway.fetch`: results as they come, and whether the stream completed. */
async function sse(gateway: Gateway, query: string, variables: object = {}, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const results: Result[] = [];
  /** When each result arrived (performance.now()). */
  const arrivals: number[] = [];
  const state = { completed: false };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const pump = async (): Promise<void> => {
    let buffer = '';
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^event: complete/m.test(block)) state.completed = true;
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: next/m.test(block) && data) {
          results.push(JSON.parse(data));
          arrivals.push(performance.now());
        }
      }
    }
    state.completed = true;
  };
  return {
    results,
    arrivals,
    state,
    /** Starts reading (a slow subscriber is one that has not started). */
    read: () => void pump(),
    close: () => {
      abort.abort();
      void reader.cancel().catch(() => {});
    },
  };
}

async function until(what: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

async function gql_(stack: { gateway: Gateway }, query: string, variables: object = {}, headers = {}) {
  const response = await stack.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Result;
}

async function firstContact(stack: Stack, source: 'BACKSIDE' | 'INTERCOM') {
  const answer = await stack.query(`{ contacts(first: 1, sources: [${source}]) { nodes { id sourceId } } }`);
  return answer.data?.contacts.nodes[0] as { id: string; sourceId: string };
}

const RENAME = `mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id } userErrors { code } } }`;
const TAG = `mutation($input: TagContactInput!) { tagContact(input: $input) { contact { id } userErrors { code } } }`;

/** An event as a webhook would publish it. */
const event = (over: Partial<ContactChangeEvent>): ContactChangeEvent => ({
  id: randomUUID(),
  kind: 'UPDATED',
  source: 'INTERCOM',
  sourceId: 'none',
  occurredAt: Date.now(),
  origin: 'SOURCE',
  credential: 'gateway',
  ...over,
});

async function listen(gateway: Gateway) {
  const server: Server = createServer(gateway);
  const sockets = attachWebSockets(server, gateway, { backsideKeyHeader: 'X-Backside-Api-Key' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ws: `ws://127.0.0.1:${port}/graphql`,
    close: async () => {
      await sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

describe('contactChanged', () => {
  let stack: Stack;
  let served: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    stack = await startStack({ gateway: { backsideKeyHeader: 'X-Backside-Api-Key' } });
    served = await listen(stack.gateway);
  });
  afterAll(async () => {
    await served.close();
    await stack.gateway.dispose();
    await stack.close();
  });

  it('SSE: a mutation through the gateway arrives as UPDATED, origin GATEWAY, with the contact read afresh', async () => {
    const contact = await firstContact(stack, 'INTERCOM');
    const sub = await sse(stack.gateway, CHANGES, { ids: [contact.id] });
    sub.read();
    const rename = await gql_(stack, RENAME, { input: { id: contact.id, name: 'Renamed Over SSE' } });
    expect(rename.data.updateContact.userErrors).toEqual([]);
    await until(() => sub.results.length === 1);
    const change = sub.results[0]?.data.contactChanged;
    expect(change).toMatchObject({
      kind: 'UPDATED',
      source: 'INTERCOM',
      sourceId: contact.sourceId,
      contactId: contact.id,
      origin: 'GATEWAY',
      mergedIntoId: null,
      contact: { id: contact.id, displayName: 'Renamed Over SSE' },
    });
    expect(Date.parse(change.occurredAt)).toBeGreaterThan(Date.now() - 10_000);
    sub.close();
  });

  it('graphql-ws: a tag through the gateway arrives as TAGGED', async () => {
    const contact = await firstContact(stack, 'BACKSIDE');
    const client = createClient({ url: served.ws, webSocketImpl: WebSocket, lazy: false, onNonLazyError: () => {} });
    const received: Result[] = [];
    const done = client.subscribe(
      { query: CHANGES, variables: { ids: [contact.id] } },
      {
        next: (value) => void received.push(value as Result),
        error: () => {},
        complete: () => {},
      },
    );
    await settle(200);
    const tagged = await gql_(stack, TAG, { input: { contactId: contact.id, tagName: 'ws-test' } });
    expect(tagged.data.tagContact.userErrors).toEqual([]);
    await until(() => received.length === 1);
    expect(received[0]?.data.contactChanged).toMatchObject({
      kind: 'TAGGED',
      source: 'BACKSIDE',
      contactId: contact.id,
      origin: 'GATEWAY',
      contact: { id: contact.id },
    });
    done();
    await client.dispose();
  });

  it('Apollo Client with GraphQLWsLink receives a change made by a mutation', async () => {
    const contact = await firstContact(stack, 'INTERCOM');
    const wsClient = createClient({ url: served.ws, webSocketImpl: WebSocket, lazy: false, onNonLazyError: () => {} });
    const apollo = new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });
    const received: any[] = [];
    const subscription = apollo
      .subscribe({ query: gql(CHANGES), variables: { ids: [contact.id] } })
      .subscribe({ next: (value) => void received.push(value.data) });
    await settle(200);
    await gql_(stack, RENAME, { input: { id: contact.id, name: 'Renamed For Apollo' } });
    await until(() => received.length === 1);
    expect(received[0].contactChanged).toMatchObject({
      kind: 'UPDATED',
      contact: { id: contact.id, displayName: 'Renamed For Apollo' },
    });
    subscription.unsubscribe();
    await wsClient.dispose();
  });

  it('graphql-ws: a refused caller is closed with 4401', async () => {
    const locked = await startStack({ gateway: { auth: { apiKeys: ['k-1'] } } });
    const server = await listen(locked.gateway);
    try {
      const closed = await new Promise<number>((resolve) => {
        const client = createClient({
          url: server.ws,
          webSocketImpl: WebSocket,
          lazy: false,
          onNonLazyError: () => {},
          retryAttempts: 0,
          connectionParams: { 'X-Api-Key': 'wrong' },
          on: { closed: (event) => resolve((event as { code: number }).code) },
        });
        client.on('error', () => {});
      });
      expect(closed).toBe(4401);
      // With the key in connection_init, the subscription is served.
      const client = createClient({
        url: server.ws,
        webSocketImpl: WebSocket,
        connectionParams: { 'X-Api-Key': 'k-1' },
      });
      const received: Result[] = [];
      client.subscribe(
        { query: BARE },
        { next: (v) => void received.push(v as Result), error: () => {}, complete: () => {} },
      );
      await settle(200);
      locked.gateway.changes.publish(event({ sourceId: 'x1' }));
      await until(() => received.length === 1);
      expect(received[0]?.data.contactChanged.sourceId).toBe('x1');
      await client.dispose();
    } finally {
      await server.close();
      await locked.gateway.dispose();
      await locked.close();
    }
  });

  describe('graphql-ws: errors arrive as the gateway wrote them (code, requestId), never as "e.toJSON is not a function"', () => {
    /** Runs one operation over graphql-ws: its `next` payloads, then the `error` payload or completion. */
    async function overWs(query: string, variables: Record<string, unknown> = {}) {
      const client = createClient({ url: served.ws, webSocketImpl: WebSocket, lazy: false, onNonLazyError: () => {} });
      const next: Result[] = [];
      try {
        const end = await new Promise<{ error?: unknown; completed?: true }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer over graphql-ws for ${query}`)), 5_000);
          client.subscribe(
            { query, variables },
            {
              next: (value) => void next.push(value as Result),
              error: (error) => {
                clearTimeout(timer);
                resolve({ error });
              },
              complete: () => {
                clearTimeout(timer);
                resolve({ completed: true });
              },
            },
          );
        });
        return { next, ...end };
      } finally {
        await client.dispose();
      }
    }
    const UUID = /^[0-9a-f-]{36}$/;

    it('a query with an id the gateway never gave out: a `next` with data and BAD_USER_INPUT, requestId, path', async () => {
      const answer = await overWs('{ contact(id: "nope") { id } }');
      expect(answer.completed).toBe(true);
      expect(answer.next).toHaveLength(1);
      expect(answer.next[0]?.data).toEqual({ contact: null });
      expect(answer.next[0]?.errors).toEqual([
        expect.objectContaining({
          message: 'The id is not one this gateway gave out.',
          path: ['contact'],
          extensions: { code: 'BAD_USER_INPUT', requestId: expect.stringMatching(UUID) },
        }),
      ]);
    });

    it('a subscription selecting a field ContactChange lacks: an `error` message with the validation error, code and requestId', async () => {
      const answer = await overWs('subscription { contactChanged { nosuch } }');
      expect(answer.next).toEqual([]);
      expect(answer.error).toEqual([
        expect.objectContaining({
          message: 'Cannot query field "nosuch" on type "ContactChange".',
          extensions: { code: 'BAD_USER_INPUT', requestId: expect.stringMatching(UUID) },
        }),
      ]);
    });

    it('contactChanged(ids: ["nope"]): an `error` message with BAD_USER_INPUT, as over SSE (not silence)', async () => {
      // The same document twice, then over SSE: a document seen before must still answer its error (subscriptions are
      // never compiled by graphql-jit, whose compiled subscribe answered nothing at all when it threw).
      const document = 'subscription { contactChanged(ids: ["nope"]) { kind } }';
      const first = await overWs(document);
      const answer = await overWs(document);
      expect(first.error).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      ]);
      const overSse = await sse(stack.gateway, document);
      overSse.read();
      await until(() => overSse.state.completed);
      expect(answer.next).toEqual([]);
      const comparable = (errors: unknown) =>
        (errors as { locations?: unknown; extensions: Record<string, unknown> }[]).map(({ locations: _, ...e }) => ({
          ...e,
          extensions: { ...e.extensions, requestId: typeof e.extensions.requestId },
        }));
      expect(comparable(answer.error)).toEqual(comparable(overSse.results[0]?.errors));
      expect(answer.error).toEqual([
        expect.objectContaining({
          message: 'The id is not one this gateway gave out.',
          path: ['contactChanged'],
          extensions: { code: 'BAD_USER_INPUT', requestId: expect.stringMatching(UUID) },
        }),
      ]);
    });

    it("a document that does not parse: the gateway's own refusal, with code and requestId", async () => {
      const answer = await overWs('subscription { contactChanged { ');
      expect(answer.error).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ requestId: expect.stringMatching(UUID) }) }),
      ]);
      expect((answer.error as { extensions: { code?: string } }[])[0]?.extensions.code).toBeTypeOf('string');
    });
  });

  it('filters: events of other sources or records are dropped before any read (zero upstream calls)', async () => {
    const contact = await firstContact(stack, 'INTERCOM');
    const bySource = await sse(stack.gateway, CHANGES, { sources: ['BACKSIDE'] });
    const byId = await sse(stack.gateway, CHANGES, { ids: [contact.id] });
    bySource.read();
    byId.read();
    stack.reset();
    stack.gateway.changes.publish(event({ source: 'INTERCOM', sourceId: 'someone-else' }));
    await settle();
    expect(bySource.results).toEqual([]);
    expect(byId.results).toEqual([]);
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
    stack.gateway.changes.publish(event({ source: 'INTERCOM', sourceId: contact.sourceId }));
    await until(() => byId.results.length === 1);
    expect(bySource.results).toEqual([]);
    bySource.close();
    byId.close();
  });

  it("another Backside tenant's subscriber receives nothing of the gateway credential's Backside writes", async () => {
    const contact = await firstContact(stack, 'BACKSIDE');
    const other = await sse(stack.gateway, BARE, {}, { 'X-Backside-Api-Key': DEMO_BACKSIDE_OTHER_KEY });
    const mine = await sse(stack.gateway, BARE);
    other.read();
    mine.read();
    await gql_(stack, RENAME, { input: { id: contact.id, givenName: 'Tenant' } });
    await until(() => mine.results.length === 1);
    await settle();
    expect(other.results).toEqual([]);
    // Intercom is read with the gateway's token by everyone: its changes reach both.
    stack.gateway.changes.publish(event({ sourceId: 'shared' }));
    await until(() => other.results.length === 1);
    other.close();
    mine.close();
  });

  it('many subscribers of one credential: one upstream read per event', async () => {
    const contact = await firstContact(stack, 'INTERCOM');
    const subs = await Promise.all(
      Array.from({ length: 20 }, () => sse(stack.gateway, CHANGES, { ids: [contact.id] })),
    );
    for (const sub of subs) sub.read();
    stack.reset();
    stack.gateway.changes.publish(event({ sourceId: contact.sourceId }));
    await until(() => subs.every((sub) => sub.results.length === 1));
    for (const sub of subs) expect(sub.results[0]?.data.contactChanged.contact.id).toBe(contact.id);
    const reads = stack.upstreams.intercom.calls.filter((call) => call.path === `/contacts/${contact.sourceId}`);
    console.info(`[subscriptions] 20 subscribers, one event: ${reads.length} upstream read(s)`);
    expect(reads).toHaveLength(1);
    for (const sub of subs) sub.close();
  });

  it('a slow subscriber: bounded queue, then one error event (SUBSCRIBER_TOO_SLOW) and the stream closes', async () => {
    const bus = stack.gateway.changes as MemoryChangeBus;
    const before = bus.listeners;
    const slow = await sse(stack.gateway, BARE);
    expect(bus.listeners).toBe(before + 1);
    for (let i = 0; i < 500; i++) bus.publish(event({ sourceId: `burst-${i}` }));
    // The overflow dropped the listener at once: memory stays bounded whatever the client does.
    expect(bus.listeners).toBe(before);
    slow.read();
    await until(() => slow.state.completed);
    const last = slow.results.at(-1);
    expect(last?.errors?.[0]?.extensions).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      reason: 'SUBSCRIBER_TOO_SLOW',
    });
    expect(slow.results.length).toBeLessThanOrEqual(102);
    slow.close();
  });

  it('two gateways with the in-memory bus do not share events', async () => {
    const upstreams = await startDemoUpstreams();
    const other = createGateway({
      intercom: { baseUrl: upstreams.intercom.url, accessToken: 'x', version: '2.16' },
      logging: false,
      graphiql: false,
    });
    try {
      const sub = await sse(other, BARE);
      sub.read();
      stack.gateway.changes.publish(event({ sourceId: 'elsewhere' }));
      await settle();
      expect(sub.results).toEqual([]);
      sub.close();
    } finally {
      await other.dispose();
      await upstreams.close();
    }
  });

  it('latency: publish to delivery over graphql-ws, 200 events', async () => {
    const client = createClient({ url: served.ws, webSocketImpl: WebSocket, lazy: false, onNonLazyError: () => {} });
    const sent = new Map<string, number>();
    const took: number[] = [];
    client.subscribe(
      { query: BARE, variables: { sources: ['INTERCOM'] } },
      {
        next: (value) => {
          const id = (value as Result).data?.contactChanged.sourceId as string;
          const at = sent.get(id);
          if (at !== undefined) took.push(performance.now() - at);
        },
        error: () => {},
        complete: () => {},
      },
    );
    await settle(200);
    for (let i = 0; i < 200; i++) {
      const id = `lat-${i}`;
      sent.set(id, performance.now());
      stack.gateway.changes.publish(event({ sourceId: id }));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await until(() => took.length === 200);
    const sorted = [...took].sort((a, b) => a - b);
    console.info(
      `[subscriptions] publish→delivery over graphql-ws, memory bus, 200 events: p50 ${percentile(sorted, 0.5)?.toFixed(2)} ms, p99 ${percentile(sorted, 0.99)?.toFixed(2)} ms`,
    );
    await client.dispose();
  });
});

describe.skipIf(!hasRedis)('contactChanged across replicas (Redis pub/sub)', () => {
  let redis: ChildProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    ({ child: redis } = await startRedis(port));
  });
  afterAll(() => {
    redis.kill('SIGKILL');
  });

  it('a change published on one replica reaches subscribers on both, exactly once; p50/p99 across replicas', async () => {
    const a = await startStack({ gateway: { redisUrl: `redis://127.0.0.1:${port}` } });
    const b = await startStack({ gateway: { redisUrl: `redis://127.0.0.1:${port}` } });
    try {
      await until(() => a.gateway.health().redis === 'ok' && b.gateway.health().redis === 'ok');
      const onA = await sse(a.gateway, BARE);
      const onB = await sse(b.gateway, BARE);
      onA.read();
      onB.read();
      await settle(300); // the subscriber connections subscribe once ready
      const contact = await firstContact(a, 'INTERCOM');
      await gql_(a, RENAME, { input: { id: contact.id, name: 'Across Replicas' } });
      await until(() => onB.results.length >= 1 && onA.results.length >= 1);
      await settle(200);
      expect(onA.results).toHaveLength(1);
      expect(onB.results).toHaveLength(1);
      expect(onB.results[0]?.data.contactChanged).toMatchObject({ kind: 'UPDATED', origin: 'GATEWAY' });

      const sent = new Map<string, number>();
      const took: number[] = [];
      const seen = onB.results.length;
      for (let i = 0; i < 200; i++) {
        const id = `r-${i}`;
        sent.set(id, performance.now());
        a.gateway.changes.publish(event({ sourceId: id }));
        const want = seen + i + 1;
        await until(() => onB.results.length >= want);
        took.push((onB.arrivals[want - 1] as number) - (sent.get(id) as number));
      }
      const sorted = [...took].sort((x, y) => x - y);
      console.info(
        `[subscriptions] publish on replica A → SSE delivery on replica B via Redis, 200 events: p50 ${percentile(sorted, 0.5)?.toFixed(2)} ms, p99 ${percentile(sorted, 0.99)?.toFixed(2)} ms`,
      );
      onA.close();
      onB.close();
    } finally {
      await a.gateway.dispose();
      await b.gateway.dispose();
      await a.close();
      await b.close();
    }
  });
});

import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INTERCOM_WEBHOOKS } from '../src/defaults.js';
import { DEMO_INTERCOM_CLIENT_SECRET, DEMO_INTERCOM_TOKEN } from '../src/demo/index.js';
import type { ContactChangeEvent } from '../src/events/event.js';
import { useIntercomWebhooks, type WebhookChangeEvent } from '../src/plugins/use-intercom-webhooks.js';
import { encodeGlobalID, nodeKey } from '../src/schema/ids.js';
import { signIntercom } from '../src/webhooks/signature.js';
import { contactOfItem, kindOfTopic } from '../src/webhooks/topics.js';
import { createGateway, type Gateway } from '../src/yoga.js';
import { hasRedis, startRedis } from './helpers/redis.js';
import { type Stack, serveOnLoopback, startStack } from './helpers/stack.js';

const SECRET = DEMO_INTERCOM_CLIENT_SECRET;
const URL_ = 'http://gateway.test/webhooks/intercom';
const unix = () => Math.floor(Date.now() / 1000);
let serial = 0;

/** A notification as Intercom sends it. */
function notification(topic: string, item: unknown, fields: { id?: string; created_at?: number } = {}) {
  serial += 1;
  return JSON.stringify({
    type: 'notification_event',
    app_id: 'demo',
    id: fields.id ?? `notif_test_${serial}_${Date.now()}`,
    topic,
    created_at: fields.created_at ?? unix(),
    data: { type: 'notification_event_data', item },
  });
}

const contactItem = (id: string, role = 'user') => ({ type: 'contact', id, role, external_id: null });

let stack: Stack;
/** Every event the gateway published, as its subscribers' bus hears it. */
const events: ContactChangeEvent[] = [];
const fromSource = () => events.filter((event) => event.origin === 'SOURCE');
/** An Intercom contact of the seed. */
let contact: string;
let other: string;

function post(body: string, headers: Record<string, string> = { 'x-hub-signature': signIntercom(body, SECRET) }) {
  return stack.gateway.fetch(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** Processing happens after the answer: give it a few turns of the event loop. */
const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `predicate` holds (or fails after `ms`). */
async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  stack = await startStack({
    gateway: { intercomWebhooks: { clientSecret: SECRET }, responseCacheTtlMs: 60_000 },
  });
  stack.gateway.changes.listen((event) => events.push(event));
  const ids = stack.upstreams.intercom.control.contacts().map((candidate) => candidate.id);
  [contact = '', other = ''] = ids;
});
afterAll(async () => {
  await stack.gateway.dispose();
  await stack.close();
});
beforeEach(() => {
  events.length = 0;
});

describe('POST /webhooks/intercom: who may call', () => {
  it('accepts a signed notification at once and publishes it as a SOURCE event of the gateway credential', async () => {
    const createdAt = unix();
    const body = notification('contact.user.updated', contactItem(contact), { id: 'notif_ok', created_at: createdAt });
    const response = await post(body);
    expect(response.status).toBe(200);
    await until(() => fromSource().length === 1);
    expect(fromSource()).toEqual([
      {
        id: 'notif_ok',
        kind: 'UPDATED',
        source: 'INTERCOM',
        sourceId: contact,
        occurredAt: createdAt * 1000,
        origin: 'SOURCE',
        credential: 'gateway',
      },
    ]);
  });

  it.each([
    ['unsigned', (_body: string) => ({})],
    ['wrongly signed', (body: string) => ({ 'x-hub-signature': signIntercom(body, 'not-the-secret') })],
    ['signed for another body', (body: string) => ({ 'x-hub-signature': signIntercom(`${body} `, SECRET) })],
    ['malformed (no sha1=)', (body: string) => ({ 'x-hub-signature': signIntercom(body, SECRET).slice(5) })],
    ['malformed (sha256=)', (_body: string) => ({ 'x-hub-signature': `sha256=${'0'.repeat(64)}` })],
    ['malformed (short hex)', (body: string) => ({ 'x-hub-signature': signIntercom(body, SECRET).slice(0, -2) })],
  ])('refuses a notification %s with 401 and publishes nothing', async (_name, headers) => {
    const body = notification('contact.user.updated', contactItem(contact));
    const response = await post(body, headers(body));
    expect(response.status).toBe(401);
    await settle();
    expect(fromSource()).toEqual([]);
  });

  it('refuses a stale notification (created_at older than the window) with 401, signature and all', async () => {
    const stale = unix() - INTERCOM_WEBHOOKS.maxAgeMs / 1000 - 5;
    const response = await post(notification('contact.user.updated', contactItem(contact), { created_at: stale }));
    expect(response.status).toBe(401);
    await settle();
    expect(fromSource()).toEqual([]);
  });

  it('refuses a notification dated ahead of the window (it would hold back the contact’s true ones) with 401', async () => {
    const ahead = unix() + INTERCOM_WEBHOOKS.maxAgeMs / 1000 + 60;
    const response = await post(notification('contact.user.updated', contactItem(contact), { created_at: ahead }));
    expect(response.status).toBe(401);
    await settle();
    expect(fromSource()).toEqual([]);
    // The contact's next true notification still gets through.
    const next = await post(notification('contact.user.updated', contactItem(contact)));
    expect(next.status).toBe(200);
    await settle();
    expect(fromSource()).toHaveLength(1);
  });

  it('answers a ping 200 and publishes nothing', async () => {
    const response = await post(notification('ping', { type: 'ping', message: 'something' }));
    expect(response.status).toBe(200);
    await settle();
    expect(events).toEqual([]);
  });

  it('acknowledges and ignores topics it does not follow', async () => {
    const response = await post(notification('conversation.user.created', { type: 'conversation', id: '1' }));
    expect(response.status).toBe(200);
    await settle();
    expect(events).toEqual([]);
  });

  it('bounds the body: beyond 1 MiB is 413 (declared or streamed), and nothing is published', async () => {
    const big = notification('contact.user.updated', { ...contactItem(contact), pad: 'x'.repeat(1024 * 1024) });
    expect((await post(big)).status).toBe(413);
    const chunk = new TextEncoder().encode(big);
    const streamed = await stack.gateway.fetch(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature': signIntercom(big, SECRET) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(chunk);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await settle();
    expect(events).toEqual([]);
  });

  it('answers 405 to other methods and 404 when no client secret is configured', async () => {
    expect((await stack.gateway.fetch(URL_)).status).toBe(405);
    const off = await startStack({ sources: ['INTERCOM'] });
    try {
      const body = notification('contact.user.updated', contactItem(contact));
      const response = await off.gateway.fetch(URL_, {
        method: 'POST',
        headers: { 'x-hub-signature': signIntercom(body, SECRET) },
        body,
      });
      expect(response.status).toBe(404);
    } finally {
      await off.gateway.dispose();
      await off.close();
    }
  });
});

describe('once and in order', () => {
  it('publishes the same notification id once, however often it is delivered', async () => {
    const body = notification('contact.user.tag.created', {
      type: 'contact_tag',
      contact: { type: 'contact', id: contact },
      tag: { type: 'tag', id: '101', name: 'vip' },
    });
    const answers = await Promise.all([post(body), post(body), post(body)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await settle(100);
    expect((await post(body)).status).toBe(200);
    await settle();
    expect(fromSource().map((event) => event.kind)).toEqual(['TAGGED']);
  });

  it('drops a notification older than the last one published for the same contact; other contacts are not held back', async () => {
    const now = unix();
    await post(notification('contact.user.updated', contactItem(contact), { id: 'notif_newer', created_at: now }));
    await until(() => fromSource().length === 1);
    await post(notification('contact.archived', contactItem(contact), { id: 'notif_older', created_at: now - 30 }));
    await post(notification('contact.archived', contactItem(other), { id: 'notif_other', created_at: now - 30 }));
    // Same second as the newest: not older, published.
    await post(notification('contact.unarchived', contactItem(contact), { id: 'notif_same', created_at: now }));
    await until(() => fromSource().length === 3);
    await settle();
    expect(fromSource().map((event) => event.id)).toEqual(['notif_newer', 'notif_other', 'notif_same']);
  });

  it('acknowledges at once even when processing is slow (the event follows the answer)', async () => {
    const published: WebhookChangeEvent[] = [];
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const yoga = createYoga({
      logging: false,
      plugins: [
        useIntercomWebhooks({
          clientSecret: SECRET,
          changes: { publish: (event) => published.push(event) },
          // A cache invalidation that takes as long as it takes (Redis far away).
          invalidate: () => slow,
        }),
      ],
    });
    const body = notification('contact.lead.created', contactItem('lead-1', 'lead'));
    const started = performance.now();
    const response = await yoga.fetch(URL_, {
      method: 'POST',
      headers: { 'x-hub-signature': signIntercom(body, SECRET) },
      body,
    });
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(200);
    await settle();
    expect(published).toEqual([]);
    release();
    await until(() => published.length === 1);
    expect(published[0]).toMatchObject({ kind: 'CREATED', sourceId: 'lead-1', origin: 'SOURCE' });
  });
});

describe('topics → kinds (intercom.md "Webhooks")', () => {
  it.each([
    ['contact.user.created', 'CREATED'],
    ['contact.lead.created', 'CREATED'],
    ['contact.user.updated', 'UPDATED'],
    ['contact.lead.updated', 'UPDATED'],
    ['contact.email.updated', 'UPDATED'],
    ['contact.deleted', 'DELETED'],
    ['contact.archived', 'ARCHIVED'],
    ['contact.unarchived', 'UNARCHIVED'],
    ['contact.merged', 'MERGED'],
    ['contact.user.tag.created', 'TAGGED'],
    ['contact.lead.tag.created', 'TAGGED'],
    ['contact.user.tag.deleted', 'UNTAGGED'],
    ['contact.lead.tag.deleted', 'UNTAGGED'],
    ['ping', undefined],
    ['conversation.user.created', undefined],
    ['toString', undefined],
  ])('%s → %s', (topic, kind) => {
    expect(kindOfTopic(topic)).toBe(kind);
  });

  it('reads a merge as the merged-away contact, merged into the survivor (merge_history or from/into)', () => {
    const survivor = {
      type: 'contact',
      id: 'user-1',
      merge_history: [
        { type: 'merge_history', source_contact_id: 'lead-0', merged_at: 100 },
        { type: 'merge_history', source_contact_id: 'lead-9', merged_at: 200 },
      ],
    };
    expect(contactOfItem('MERGED', survivor)).toEqual({ sourceId: 'lead-9', mergedIntoId: 'user-1' });
    expect(contactOfItem('MERGED', { from: { id: 'lead-2' }, into: { type: 'contact', id: 'user-2' } })).toEqual({
      sourceId: 'lead-2',
      mergedIntoId: 'user-2',
    });
    expect(contactOfItem('MERGED', { type: 'contact', id: 'user-3' })).toBeUndefined();
    expect(contactOfItem('TAGGED', { type: 'contact_tag', contact: { id: 42 }, tag: { id: '1' } })).toEqual({
      sourceId: '42',
    });
  });
});

describe('caches follow the changes', () => {
  it('after a webhook about a contact, its cached answer is not served again', async () => {
    const query = `query ($id: ID!) { node(id: $id) { ... on Contact { displayName } } }`;
    const id = encodeGlobalID('Contact', nodeKey('INTERCOM', contact));
    const first = await stack.query(query, { id });
    const before = first.data?.node?.displayName;
    expect(before).toBeTruthy();
    // Intercom changes the record behind the gateway's back…
    const record = stack.upstreams.intercom.control.contacts().find((candidate) => candidate.id === contact);
    if (!record) throw new Error('seed changed');
    record.name = 'Renamed In Intercom';
    stack.reset();
    // …the cache still answers the old name, without calling Intercom…
    expect((await stack.query(query, { id })).data?.node?.displayName).toBe(before);
    expect(stack.calls().intercom).toBe(0);
    // …until Intercom says so.
    await post(notification('contact.user.updated', contactItem(contact)));
    await until(() => fromSource().length === 1);
    expect((await stack.query(query, { id })).data?.node?.displayName).toBe('Renamed In Intercom');
  });
});

describe('the demo is live', () => {
  it('a write through the gateway makes the fake send signed webhooks, published as SOURCE events', async () => {
    const served = await serveOnLoopback(stack.gateway);
    const fake = stack.upstreams.intercom.control;
    fake.webhookTarget(new URL(INTERCOM_WEBHOOKS.path, served.url).href);
    try {
      const id = encodeGlobalID('Contact', nodeKey('INTERCOM', other));
      const tagged = await stack.query(
        `mutation ($input: TagContactInput!) { tagContact(input: $input) { userErrors { message } } }`,
        { input: { contactId: id, tagName: 'webhook-demo' } },
      );
      expect(tagged.errors).toBeUndefined();
      await until(() => fromSource().some((event) => event.kind === 'TAGGED'));
      await until(() => fake.webhooks().at(-1)?.status !== 0);
      expect(fake.webhooks().at(-1)).toEqual({
        topic: expect.stringMatching(/^contact\.(user|lead)\.tag\.created$/),
        status: 200,
      });
      expect(fromSource()).toEqual([
        expect.objectContaining({ kind: 'TAGGED', source: 'INTERCOM', sourceId: other, origin: 'SOURCE' }),
      ]);
      // The write itself is an event too (origin GATEWAY): the webhook is another, later notice of it.
      expect(events.filter((event) => event.origin === 'GATEWAY').map((event) => event.kind)).toEqual(['TAGGED']);
    } finally {
      fake.webhookTarget(undefined);
      await served.close();
    }
  });

  it('the timer edits a contact by itself and says so', async () => {
    const served = await serveOnLoopback(stack.gateway);
    const fake = stack.upstreams.intercom.control;
    fake.webhookTarget(new URL(INTERCOM_WEBHOOKS.path, served.url).href);
    fake.liveEdits(20);
    try {
      await until(() => fromSource().length >= 2);
      expect(fromSource()[0]).toMatchObject({ kind: 'UPDATED', origin: 'SOURCE' });
    } finally {
      fake.liveEdits(0);
      fake.webhookTarget(undefined);
      await served.close();
    }
  });
});

/** Reads SSE `data:` payloads from a streamed answer, handing each to `onData`. */
async function readEvents(response: Response, onData: (data: any) => void): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const next = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (next.done) return;
    buffer += decoder.decode(next.value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .join('\n');
      if (data) onData(JSON.parse(data));
      end = buffer.indexOf('\n\n');
    }
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

describe('end to end through a subscription (SSE)', () => {
  it.each([
    ['delivery', 'kind sourceId origin occurredAt'],
    ['delivery with the contact read for the subscriber', 'kind sourceId origin contact { id displayName }'],
  ])(
    'webhook received → event delivered: %s, p50/p99 over 200 webhooks on loopback',
    async (label, selection) => {
      const served = await serveOnLoopback(stack.gateway);
      const abort = new AbortController();
      try {
        const response = await fetch(served.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: `subscription { contactChanged(sources: [INTERCOM]) { ${selection} } }` }),
          signal: abort.signal,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
        const received = new Map<string, number>();
        const payloads: any[] = [];
        const reading = readEvents(response, (data) => {
          payloads.push(data);
          const sourceId = data.data?.contactChanged?.sourceId;
          if (sourceId) received.set(`${sourceId}`, performance.now());
        });
        // The subscription is listening once a first event arrives: warm up until one does.
        const webhookUrl = new URL(INTERCOM_WEBHOOKS.path, served.url).href;
        const send = (body: string) =>
          fetch(webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-hub-signature': signIntercom(body, SECRET) },
            body,
          });
        const ids = stack.upstreams.intercom.control.contacts().map((candidate) => candidate.id);
        for (let attempt = 0; received.size === 0 && attempt < 100; attempt++) {
          await send(notification('contact.user.updated', contactItem(ids[0] ?? '')));
          await settle(20);
        }
        expect(received.size).toBe(1);
        const latencies: number[] = [];
        for (let i = 0; i < 200; i++) {
          const target = ids[i % ids.length] ?? '';
          received.delete(target);
          const started = performance.now();
          const answer = await send(notification('contact.user.updated', contactItem(target)));
          expect(answer.status).toBe(200);
          await until(() => received.has(target), 5000);
          latencies.push((received.get(target) ?? Number.NaN) - started);
        }
        const sorted = [...latencies].sort((a, b) => a - b);
        const p50 = percentile(sorted, 50);
        const p99 = percentile(sorted, 99);
        console.info(
          `webhook → SSE event (${label}): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${sorted.at(-1)?.toFixed(2)} ms over ${sorted.length} webhooks on loopback`,
        );
        const last = payloads.at(-1)?.data?.contactChanged;
        expect(last).toMatchObject({ kind: 'UPDATED', origin: 'SOURCE' });
        if (selection.includes('contact')) expect(last.contact?.displayName).toBeTruthy();
        abort.abort();
        await reading;
      } finally {
        abort.abort();
        await served.close();
      }
    },
    60_000,
  );
});

describe.skipIf(!hasRedis)('two replicas over one Redis', () => {
  it('the same notification delivered to each replica is published once, and heard once on both', async () => {
    const redis = await startRedis();
    const replicas: Gateway[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        replicas.push(
          createGateway({
            intercom: { baseUrl: stack.upstreams.intercom.url, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' },
            intercomWebhooks: { clientSecret: SECRET },
            redisUrl: redis.url,
            graphiql: false,
            logging: false,
          }),
        );
      }
      await until(() => replicas.every((replica) => replica.health().redis === 'ok'), 5000);
      const heard = replicas.map(() => [] as ContactChangeEvent[]);
      replicas.forEach((replica, i) => {
        replica.changes.listen((event) => heard[i]?.push(event));
      });
      // Redis pub/sub subscriptions settle asynchronously: wait until a first notification reaches both.
      for (let attempt = 0; attempt < 100 && !heard.every((list) => list.length > 0); attempt++) {
        const warm = notification('contact.user.updated', contactItem(other));
        await replicas[0]?.fetch(URL_, {
          method: 'POST',
          headers: { 'x-hub-signature': signIntercom(warm, SECRET) },
          body: warm,
        });
        await settle(50);
      }
      for (const list of heard) list.length = 0;
      const body = notification('contact.user.updated', contactItem(contact), { id: 'notif_both_replicas' });
      const answers = await Promise.all(
        replicas.map((replica) =>
          replica.fetch(URL_, { method: 'POST', headers: { 'x-hub-signature': signIntercom(body, SECRET) }, body }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      await settle(300);
      for (const list of heard) expect(list.map((event) => event.id)).toEqual(['notif_both_replicas']);
    } finally {
      for (const replica of replicas) await replica.dispose();
      redis.child.kill('SIGKILL');
    }
  }, 30_000);
});

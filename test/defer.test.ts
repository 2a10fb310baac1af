// Incremental delivery (@defer, @stream) through the real gateway over real HTTP, with a slow upstream: the contact
// arrives at once, its slow children when they come; Apollo Client merges the parts into one answer.
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '../src/yoga.js';
import { type Stack, startStack } from './helpers/stack.js';

const WASHBURN = '5ba682d23d7cf92bef87bfd4';
const SLOW_MS = 1000;

let stack: Stack | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  if (server) await new Promise((resolve) => server?.close(resolve));
  await stack?.close();
  stack = undefined;
  server = undefined;
});

/** The gateway behind a node:http server on loopback; Intercom's notes answer `slowMs` late. */
async function start(options: { slowMs?: number; gateway?: Partial<GatewayOptions> } = {}) {
  stack = await startStack(options.gateway ? { gateway: options.gateway } : {});
  const slowMs = options.slowMs ?? SLOW_MS;
  stack.upstreams.intercom.use(async (req) => {
    if (/\/notes(\?|$)/.test(req.url ?? '')) await new Promise((resolve) => setTimeout(resolve, slowMs));
    return false;
  });
  server = createServer(stack.gateway);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { stack, url: `http://127.0.0.1:${port}/graphql` };
}

interface Part {
  /** ms from sending the request to this part's arrival. */
  at: number;
  body: {
    data?: Record<string, any> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    incremental?: {
      data?: Record<string, any> | null;
      items?: unknown[];
      path: (string | number)[];
      errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    }[];
    hasNext?: boolean;
  };
}

/** POSTs `query` asking for multipart/mixed and reads the parts as they arrive, each with its arrival time. */
async function multipart(url: string, query: string) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed;deferSpec=20220824, application/json' },
    body: JSON.stringify({ query }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  const parts: Part[] = [];
  if (!contentType.startsWith('multipart/mixed')) return { status: response.status, contentType, parts };
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1] ?? '-';
  const delimiter = `\r\n--${boundary}`;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    // A part is complete once the next delimiter (or the closing one) has arrived.
    for (let end = buffer.indexOf(delimiter, 1); end > 0; end = buffer.indexOf(delimiter, 1)) {
      const part = buffer.slice(0, end);
      buffer = buffer.slice(end);
      const bodyAt = part.indexOf('\r\n\r\n');
      if (bodyAt >= 0) parts.push({ at: performance.now() - started, body: JSON.parse(part.slice(bodyAt + 4)) });
    }
  }
  return { status: response.status, contentType, parts, totalMs: performance.now() - started };
}

const DEFERRED_NOTES = `{
  contactBySourceId(source: INTERCOM, sourceId: "${WASHBURN}") {
    displayName
    email
    ... @defer(label: "slow") { notes { text authorName } }
  }
}`;

describe('@defer', () => {
  it('answers the contact at once and its slow notes when they arrive, over multipart/mixed', async () => {
    const { url } = await start();
    const whole = (await stack?.query(`{ contactBySourceId(source: INTERCOM, sourceId: "${WASHBURN}") {
      displayName email notes { text authorName } } }`)) as { data: { contactBySourceId: Record<string, any> } };
    expect(whole.data.contactBySourceId.notes.length).toBeGreaterThan(0);

    // Twice before measuring: the document is then kept and repeated, which is when graphql-jit would compile it;
    // it must still run on the executor that knows @defer.
    for (let run = 1; run <= 3; run += 1) {
      const { status, contentType, parts, totalMs } = await multipart(url, DEFERRED_NOTES);
      expect(status).toBe(200);
      expect(contentType).toMatch(/^multipart\/mixed/);
      expect(parts).toHaveLength(2);
      const [first, last] = parts as [Part, Part];
      expect(first.body).toEqual({
        data: { contactBySourceId: { displayName: 'Hoban Washburn', email: whole.data.contactBySourceId.email } },
        hasNext: true,
      });
      expect(last.body).toEqual({
        incremental: [
          { data: { notes: whole.data.contactBySourceId.notes }, path: ['contactBySourceId'], label: 'slow' },
        ],
        hasNext: false,
      });
      // The first part does not wait for the slow notes; the last one does.
      expect(first.at).toBeLessThan(SLOW_MS / 2);
      expect(last.at).toBeGreaterThanOrEqual(SLOW_MS - 5);
      console.log(
        `@defer run ${run}: first part after ${first.at.toFixed(0)} ms, last part after ${last.at.toFixed(0)} ms, ` +
          `complete after ${totalMs?.toFixed(0)} ms (notes upstream ${SLOW_MS} ms late)`,
      );
    }
  });

  it('keeps a deferred field’s upstream failure as a partial error in the part that carries it', async () => {
    const { stack: s, url } = await start({ slowMs: 0, gateway: { upstream: { timeoutMs: 5000, retries: 0 } } });
    s.upstreams.intercom.use((req, res) => {
      if (!/\/notes(\?|$)/.test(req.url ?? '')) return false;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error.list', errors: [{ code: 'service_unavailable', message: 'down' }] }));
      return true;
    });
    const { parts } = await multipart(url, DEFERRED_NOTES);
    expect(parts).toHaveLength(2);
    expect(parts[0]?.body.errors).toBeUndefined();
    expect(parts[0]?.body.data?.contactBySourceId.displayName).toBe('Hoban Washburn');
    const [item] = parts[1]?.body.incremental ?? [];
    expect(item?.data).toEqual({ notes: [] });
    expect(item?.errors).toEqual([
      expect.objectContaining({
        path: ['contactBySourceId', 'notes'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', source: 'INTERCOM' }),
      }),
    ]);
    expect(parts[1]?.body.hasNext).toBe(false);
  });

  it('never shares an incremental answer between identical operations in flight: each caller gets every part', async () => {
    const { url } = await start({ slowMs: 300 });
    const [a, b] = await Promise.all([multipart(url, DEFERRED_NOTES), multipart(url, DEFERRED_NOTES)]);
    for (const answer of [a, b]) {
      expect(answer.contentType).toMatch(/^multipart\/mixed/);
      expect(answer.parts).toHaveLength(2);
      expect(answer.parts[0]?.body.hasNext).toBe(true);
      expect(answer.parts[1]?.body.incremental?.[0]?.data?.notes.length).toBeGreaterThan(0);
    }
  });

  it('keeps the upstream deadline for deferred fields, and releases it when the stream ends', async () => {
    const stop = new AbortController();
    const { url } = await start({ slowMs: 600, gateway: { stopSignal: stop.signal } });
    const before = getEventListeners(stop.signal, 'abort').length;
    const answer = multipart(url, DEFERRED_NOTES);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The initial part is out; the deferred notes still read under the request's deadline.
    expect(getEventListeners(stop.signal, 'abort').length).toBeGreaterThan(before);
    const { parts } = await answer;
    expect(parts[1]?.body.incremental?.[0]?.data?.notes.length).toBeGreaterThan(0);
    expect(getEventListeners(stop.signal, 'abort').length).toBe(before);
  });

  it('a deferred fragment past the request budget ends in UPSTREAM_TIMEOUT, the contact kept', async () => {
    const { url } = await start({ slowMs: 3000, gateway: { requestBudgetMs: 500 } });
    const { parts, totalMs } = await multipart(url, DEFERRED_NOTES);
    expect(parts[0]?.body.data?.contactBySourceId.displayName).toBe('Hoban Washburn');
    expect(parts[1]?.body.incremental?.[0]?.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      source: 'INTERCOM',
    });
    expect(totalMs).toBeLessThan(2000);
  });

  it('still prices deferred fields: the cost limit refuses before any upstream call', async () => {
    const { stack: s, url } = await start({ gateway: { limits: { cost: 100 } } });
    s.reset();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed, application/json' },
      body: JSON.stringify({
        query: '{ contacts(first: 50) { nodes { displayName ... @defer { notes { text } linkedContacts { id } } } } }',
      }),
    });
    const body = (await response.json()) as { errors?: { message: string }[] };
    expect(body.errors?.[0]?.message).toMatch(/^Query cost \d+ is over the limit of 100/);
    expect(s.calls()).toEqual({ backside: 0, intercom: 0 });
  });
});

describe('@stream', () => {
  it('streams a list: the items after the first come in later parts, and add up to the whole list', async () => {
    const { stack: s, url } = await start({ slowMs: 0 });
    const whole = await s.query(`{ contacts(first: 5, sources: [INTERCOM]) { nodes { sourceId } } }`);
    const { parts } = await multipart(
      url,
      `{ contacts(first: 5, sources: [INTERCOM]) { nodes @stream(initialCount: 1) { sourceId } } }`,
    );
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0]?.body.data?.contacts.nodes).toHaveLength(1);
    const streamed = parts.slice(1).flatMap((part) => part.body.incremental?.flatMap((item) => item.items ?? []) ?? []);
    expect([...(parts[0]?.body.data?.contacts.nodes ?? []), ...streamed]).toEqual(whole.data?.contacts.nodes);
    expect(parts.at(-1)?.body.hasNext).toBe(false);
  });
});

describe('Apollo Client', () => {
  it('merges the deferred parts into the final result', async () => {
    const { url } = await start();
    const client = new ApolloClient({
      link: new HttpLink({ uri: url }),
      cache: new InMemoryCache(),
      incrementalHandler: new Defer20220824Handler(),
    });
    const query = gql`
      query Deferred($id: String!) {
        contactBySourceId(source: INTERCOM, sourceId: $id) {
          id
          displayName
          ... @defer {
            notes {
              text
            }
          }
        }
      }
    `;
    const started = performance.now();
    const seen: { at: number; hasNotes: boolean }[] = [];
    const final = await new Promise<Record<string, any>>((resolve, reject) => {
      const subscription = client.watchQuery({ query, variables: { id: WASHBURN } }).subscribe({
        next(result) {
          const contact = (result.data as Record<string, any> | undefined)?.contactBySourceId;
          if (!contact) return;
          seen.push({ at: performance.now() - started, hasNotes: Array.isArray(contact.notes) });
          if (Array.isArray(contact.notes)) {
            subscription.unsubscribe();
            resolve(contact);
          }
        },
        error: reject,
      });
    });
    expect(final.displayName).toBe('Hoban Washburn');
    expect(final.notes.length).toBeGreaterThan(0);
    expect(final.notes[0].text).toEqual(expect.any(String));
    // Apollo showed the contact before its notes arrived.
    expect(seen[0]?.hasNotes).toBe(false);
    expect(seen[0]?.at).toBeLessThan(SLOW_MS / 2);
    console.log(
      `Apollo Client: contact after ${seen[0]?.at.toFixed(0)} ms, merged with notes after ${seen.at(-1)?.at.toFixed(0)} ms`,
    );
  });
});

// The gateway as a federation v2 subgraph: Contact, Company and Tag are entities keyed by id, `_entities` batches
// like `nodes`, and a real federation gateway from npm (Hive Gateway's CLI) composes it with a second subgraph.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEDERATION_MAX_REPRESENTATIONS } from '../src/defaults.js';
import type { RecordedCall } from '../src/demo/index.js';
import { type OrdersSubgraph, startOrdersSubgraph } from './helpers/orders-subgraph.js';
import { waitFor } from './helpers/processes.js';
import { type Stack, serveOnLoopback, startStack } from './helpers/stack.js';

const byRoute = (calls: RecordedCall[]) =>
  calls.reduce<Record<string, number>>((counts, call) => {
    const route = `${call.method} ${call.path.replace(/\/contacts\/(?!search\b)[^/?]+/, '/contacts/{id}')}`;
    counts[route] = (counts[route] ?? 0) + 1;
    return counts;
  }, {});

let stack: Stack;
let subgraph: Awaited<ReturnType<typeof serveOnLoopback>>;
/** 10 Intercom and 10 Backside contacts, interleaved as a router would send them. */
let contactIds: string[];

beforeAll(async () => {
  stack = await startStack();
  subgraph = await serveOnLoopback(stack.gateway);
  const { data } = await stack.query<{ i: { nodes: { id: string }[] }; b: { nodes: { id: string }[] } }>(
    `{ i: contacts(first: 10, sources: [INTERCOM]) { nodes { id } }
       b: contacts(first: 10, sources: [BACKSIDE]) { nodes { id } } }`,
  );
  const intercom = data?.i.nodes.map((node) => node.id) ?? [];
  const backside = data?.b.nodes.map((node) => node.id) ?? [];
  contactIds = intercom.flatMap((id, i) => [id, backside[i] as string]);
  expect(contactIds).toHaveLength(20);
});

afterAll(async () => {
  await subgraph?.close();
  await stack?.close();
});

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Contact { id displayName source email }
    ... on Tag { id name }
    ... on Company { id name }
  }
}`;

describe('the subgraph', () => {
  it('tells a composer its entities: Contact, Company and Tag keyed by id, in federation v2', async () => {
    const { data } = await stack.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const sdl = data?._service.sdl ?? '';
    expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    for (const type of ['Contact', 'Company', 'Tag']) {
      expect(sdl).toMatch(new RegExp(`type ${type} implements Node\\s+@key\\(fields: "id"\\)`));
    }
  });

  it('resolves 20 contact representations with exactly the upstream calls of `nodes` for the same ids', async () => {
    stack.reset();
    const viaNodes = await stack.query<{ nodes: { id: string; displayName: string }[] }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Contact { displayName source email } } }',
      { ids: contactIds },
    );
    const nodesCalls = {
      backside: byRoute(stack.upstreams.backside.calls),
      intercom: byRoute(stack.upstreams.intercom.calls),
    };

    stack.reset();
    const representations = contactIds.map((id) => ({ __typename: 'Contact', id }));
    const viaEntities = await stack.query<{ _entities: { id: string; displayName: string }[] }>(ENTITIES, {
      representations,
    });
    const entitiesCalls = {
      backside: byRoute(stack.upstreams.backside.calls),
      intercom: byRoute(stack.upstreams.intercom.calls),
    };

    expect(viaEntities.errors).toBeUndefined();
    expect(viaEntities.data?._entities.map((entity) => entity.id)).toEqual(contactIds);
    expect(viaEntities.data?._entities.map((entity) => entity.displayName)).toEqual(
      viaNodes.data?.nodes.map((node) => node.displayName),
    );
    expect(entitiesCalls).toEqual(nodesCalls);
    // Intercom: the 10 contacts in one search; Backside has no batch get: one GET each.
    expect(entitiesCalls.intercom['POST /contacts/search']).toBe(1);
    expect(entitiesCalls.backside['GET /api/v1/contacts/{id}']).toBe(10);
    console.info('[calls] _entities of 20 contacts (10 Intercom, 10 Backside):', entitiesCalls);
  });

  it('fails one representation on its own: a miss is null, a wrong-typed id is that item’s error', async () => {
    const { data: tagData } = await stack.query<{ nodes: { tags: { id: string }[] }[] }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Contact { tags { id } } } }',
      { ids: contactIds },
    );
    const tagId = tagData?.nodes.flatMap((node) => node.tags)[0]?.id as string;
    expect(tagId).toEqual(expect.any(String));
    const missing = Buffer.from('Contact:INTERCOM:6a00000000000000000000ff').toString('base64url');
    const result = await stack.query<{ _entities: ({ id: string } | null)[] }>(ENTITIES, {
      representations: [
        { __typename: 'Contact', id: contactIds[0] },
        { __typename: 'Contact', id: missing },
        { __typename: 'Contact', id: tagId },
        { __typename: 'Tag', id: tagId },
      ],
    });
    expect(result.data?._entities[0]?.id).toBe(contactIds[0]);
    expect(result.data?._entities[1]).toBeNull();
    expect(result.data?._entities[2]).toBeNull();
    expect(result.data?._entities[3]).toMatchObject({ __typename: 'Tag', id: tagId });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({
      path: ['_entities', 2],
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it(`refuses more than ${FEDERATION_MAX_REPRESENTATIONS} representations in one call, before any upstream call`, async () => {
    stack.reset();
    const representations = Array.from({ length: FEDERATION_MAX_REPRESENTATIONS + 1 }, (_, i) => ({
      __typename: 'Contact',
      id: contactIds[i % contactIds.length],
    }));
    const result = await stack.query(ENTITIES, { representations });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });
});

describe('behind Hive Gateway, composed with an orders subgraph', () => {
  let orders: OrdersSubgraph;
  let hive: ChildProcess;
  let hiveUrl: string;
  let output = '';
  const dir = mkdtempSync(join(tmpdir(), 'federation-'));

  beforeAll(async () => {
    orders = await startOrdersSubgraph(
      contactIds.map((customerId, i) => ({ id: `order-${i + 1}`, total: 1000 + i * 250, customerId })),
    );
    const { data } = await stack.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const composed = composeServices([
      { name: 'contacts', typeDefs: parse(data?._service.sdl ?? ''), url: subgraph.url },
      { name: 'orders', typeDefs: parse(await orders.sdl()), url: orders.url },
    ]);
    expect(composed.errors).toBeUndefined();
    const supergraph = join(dir, 'supergraph.graphql');
    writeFileSync(supergraph, composed.supergraphSdl as string);
    const port = await freePort();
    hive = spawn(
      join(process.cwd(), 'node_modules/.bin/hive-gateway'),
      ['supergraph', supergraph, '--host', '127.0.0.1', '--port', String(port)],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } },
    );
    hive.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    hive.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    hiveUrl = `http://127.0.0.1:${port}/graphql`;
    await waitFor(() => output, /Serving|Listening|http:\/\/127\.0\.0\.1/i, 30_000);
    await waitReady(`http://127.0.0.1:${port}/readiness`);
  }, 60_000);

  afterAll(async () => {
    hive?.kill('SIGTERM');
    await orders?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const viaHive = async <T>(query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(hiveUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: T; errors?: unknown[] };
  };

  it('adds the orders subgraph’s field to our Contact', async () => {
    const result = await viaHive<{ contact: { displayName: string; orders: { id: string; total: number }[] } }>(
      'query ($id: ID!) { contact(id: $id) { displayName source orders { id total } } }',
      { id: contactIds[1] },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.contact.displayName).toEqual(expect.any(String));
    expect(result.data?.contact.orders).toEqual([{ id: 'order-2', total: 1250 }]);
  });

  it('resolves 20 orders’ customers through our `_entities` in one call, batched per source', async () => {
    stack.reset();
    const result = await viaHive<{ orders: { id: string; customer: { id: string; displayName: string } }[] }>(
      '{ orders(first: 20) { id total customer { id displayName source } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.orders.map((order) => order.customer.id)).toEqual(contactIds);
    expect(result.data?.orders.every((order) => order.customer.displayName.length > 0)).toBe(true);
    const calls = {
      backside: byRoute(stack.upstreams.backside.calls),
      intercom: byRoute(stack.upstreams.intercom.calls),
    };
    expect(calls).toEqual({
      backside: { 'GET /api/v1/contacts/{id}': 10 },
      intercom: { 'POST /contacts/search': 1 },
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    if (Date.now() - started > 30_000) throw new Error(`Hive Gateway never became ready: ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Property-based: random and mutated operations never crash the gateway, never answer 5xx, and every error a client
// sees is masked (no stack, no suggestion, no upstream address) and carries a contract code.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CONTRACT_CODES as CODES } from '../src/plugins/use-error-codes.js';
import { type Stack, startStack } from './helpers/stack.js';

const VALID = [
  '{ contacts(first: 3) { nodes { id displayName tags { name } } pageInfo { endCursor } } }',
  'query($id: ID!) { contact(id: $id) { id email companies { name } } }',
  'query($s: Source!, $id: String!) { contactBySourceId(source: $s, sourceId: $id) { id notes(first: 2) { text } } }',
  '{ person(email: "ada.lovelace@example.com") { key contacts { id } } }',
  'query($f: ContactFilter) { contacts(first: 2, filter: $f) { nodes { id } } }',
  '{ sources { source configured } }',
  'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
];

let stack: Stack;
let upstreamHosts: string[];
beforeAll(async () => {
  stack = await startStack();
  upstreamHosts = [stack.upstreams.backside.url, stack.upstreams.intercom.url].map((url) => new URL(url).host);
});
afterAll(() => stack.close());

async function send(body: string): Promise<void> {
  const response = await stack.gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (response.status >= 500) throw new Error(`status ${response.status} for ${body.slice(0, 200)}`);
  const text = await response.text();
  for (const forbidden of [...upstreamHosts, 'bsk_test_demo', 'ic_test_demo', '    at ', 'Did you mean']) {
    if (text.includes(forbidden)) throw new Error(`answer holds ${forbidden}: ${text.slice(0, 300)}`);
  }
  const json = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
  for (const error of json.errors ?? []) {
    if (!CODES.has(error.extensions?.code ?? ''))
      throw new Error(`error without a contract code: ${text.slice(0, 300)}`);
  }
}

const mutated = fc
  .tuple(
    fc.constantFrom(...VALID),
    fc.nat(),
    fc.nat(),
    fc.constantFrom(
      '',
      '{',
      '}',
      '(',
      ')',
      '$',
      ':',
      '"',
      '...',
      '@skip',
      'first: -1',
      'first: 100000',
      '\\u0000',
      'x'.repeat(50),
    ),
  )
  .map(([query, at, length, insert]) => {
    const start = at % (query.length + 1);
    return query.slice(0, start) + insert + query.slice(start + (length % 8));
  });

const variables = fc.dictionary(
  fc.constantFrom('id', 's', 'ids', 'f', 'first'),
  fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  ),
);

describe('fuzzing operations', () => {
  it('random text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), (query) => send(JSON.stringify({ query }))),
      { numRuns: 150 },
    );
  });

  it('mutated valid operations with random variables', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, variables, (query, vars) => send(JSON.stringify({ query, variables: vars }))),
      { numRuns: 300 },
    );
  });

  it('valid operations with hostile variables', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VALID), variables, (query, vars) =>
        send(JSON.stringify({ query, variables: vars })),
      ),
      { numRuns: 200 },
    );
  });

  it('bodies that are not GraphQL requests at all', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json(), (body) => send(body)),
      { numRuns: 100 },
    );
  });
});

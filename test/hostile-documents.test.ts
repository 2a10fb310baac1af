// Hostile callers and messy input, through real HTTP: documents built to exhaust memory (thousands of distinct large
// documents against the production heap cap) or CPU (fragments that expand exponentially), input that overflows the
// stack or is not Unicode, mistakes that must answer as the client's (BAD_USER_INPUT, 4xx, never a 500), and errors
// that must not map the schema for a guesser ("Did you mean …?"). The memory and CPU tests run the real entry point
// in its own process, as an operator does; the others call the gateway's fetch, with and without graphql-jit.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { waitFor } from './helpers/processes.js';
import { type Stack, startStack } from './helpers/stack.js';

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

async function post(target: Stack | string, body: string, accept = GRAPHQL_RESPONSE): Promise<Answer> {
  const init = { method: 'POST', headers: { 'content-type': 'application/json', accept }, body };
  const response =
    typeof target === 'string'
      ? await fetch(target, { ...init, signal: AbortSignal.timeout(15_000) })
      : await target.gateway.fetch('http://gateway.test/graphql', init);
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const query = (text: string, variables?: unknown) => JSON.stringify({ query: text, variables });

/** What a client checks of a refusal: a 4xx, BAD_USER_INPUT, never INTERNAL_SERVER_ERROR, no suggestion. */
function expectRefused(answer: Answer, status = 400): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.errors?.length, JSON.stringify(answer.body)).toBeGreaterThan(0);
  for (const error of answer.body.errors ?? []) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(JSON.stringify(answer.body)).not.toMatch(/INTERNAL_SERVER_ERROR|did you mean/i);
}

/** Fragments, each spreading the one before twice: 40 of them are 1.8 KB of text, 2^40 fields once spread. */
function fragmentBomb(levels: number, leaf = 'source'): string {
  let text = `query Bomb { sources { ...F${levels} } } fragment F0 on SourceInfo { ${leaf} }`;
  for (let i = 1; i <= levels; i++) text += ` fragment F${i} on SourceInfo { ...F${i - 1} ...F${i - 1} }`;
  return text;
}

/** src/index.ts in its own process, demo upstreams, on a free port. */
interface Gateway {
  child: ChildProcess;
  url: string;
  /** Resident memory now, MB (VmRSS). */
  rss(): number;
  output(): string;
  exited(): boolean;
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function startGateway(nodeOptions: string[], extra: NodeJS.ProcessEnv = {}): Promise<Gateway> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', WORKERS: '1' };
  for (const name of ['BACKSIDE_API_KEY', 'INTERCOM_ACCESS_TOKEN', 'GATEWAY_AUTH', 'MAX_BODY_BYTES']) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('QUERY_MAX_')) delete env[name];
  Object.assign(env, extra);
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', 'src/index.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const [, url] = (await waitFor(() => output, /GraphiQL at (\S+)/, 15_000)) as unknown as [string, string];
  return {
    child,
    url,
    rss: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
  };
}

describe('memory: distinct large documents against the production heap cap', () => {
  it('answers 2000 distinct 95 KB documents at --max-old-space-size=128, resident memory flat', async () => {
    const gateway = await startGateway(['--max-old-space-size=128']);
    try {
      // A document a body just under MAX_BODY_BYTES (100 kB) can carry: one 95 kB string literal, distinct per request.
      const DOCUMENTS = 2000;
      const SIZE = 95_000;
      const CONCURRENCY = 8;
      const documentOf = (n: number) => `{ person(email: "${`${n}@`.padEnd(SIZE, 'x')}") { key } }`;
      for (let i = 0; i < 20; i++) expect((await post(gateway.url, query('{ sources { source } }'))).status).toBe(200);
      const before = gateway.rss();
      const samples: { sent: number; rss: number }[] = [];
      const outcomes = new Map<string, number>();
      let next = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < DOCUMENTS && !gateway.exited()) {
            const n = next++;
            let outcome: string;
            try {
              const answer = await post(gateway.url, query(documentOf(n)));
              // The resolver refuses a 95 kB email: the document was parsed, validated and run.
              outcome = `${answer.status} ${answer.body.errors?.[0]?.extensions?.code}`;
            } catch (error) {
              outcome = `no answer (${(error as Error).message})`;
            }
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            if (n % 250 === 249 && !gateway.exited()) samples.push({ sent: n + 1, rss: gateway.rss() });
          }
        }),
      );
      const seconds = (Date.now() - t0) / 1000;
      expect(gateway.exited(), gateway.output().slice(-2000)).toBe(false);
      const after = gateway.rss();
      const afterwards = await post(gateway.url, query('{ sources { source } }'));
      console.log(
        `${DOCUMENTS} distinct documents of ${SIZE} bytes, heap cap 128 MB, in ${seconds.toFixed(1)} s: RSS before ` +
          `${before.toFixed(0)} MB, after ${after.toFixed(0)} MB; samples ${samples.map((s) => `${s.sent}:${s.rss.toFixed(0)}`).join(' ')}; ` +
          `answers ${JSON.stringify(Object.fromEntries(outcomes))}`,
      );
      expect(Object.fromEntries(outcomes)).toEqual({ '200 BAD_USER_INPUT': DOCUMENTS });
      expect(afterwards.status).toBe(200);
      expect(afterwards.body.data).toEqual({ sources: [{ source: 'BACKSIDE' }, { source: 'INTERCOM' }] });
      // Flat: the second thousand documents add no resident memory beyond noise.
      const middle = samples.find((s) => s.sent === DOCUMENTS / 2)?.rss ?? before;
      expect(after - middle).toBeLessThan(32);
      expect(after - before).toBeLessThan(96);
    } finally {
      gateway.child.kill('SIGKILL');
    }
  }, 30_000);
});

describe('CPU: fragments that expand exponentially', () => {
  it('refuses 2 KB documents of 40 doubling fragments at once, while { __typename } keeps answering fast', async () => {
    // The limit as an operator sets it (the default is 3000): QUERY_MAX_EXPANDED_FIELDS reaches the gateway.
    const gateway = await startGateway([], { QUERY_MAX_EXPANDED_FIELDS: '2000' });
    try {
      const bomb = fragmentBomb(40);
      expect(bomb.length).toBeLessThan(2000);
      // Warm: the first request of a process compiles the schema's paths.
      await post(gateway.url, query('{ __typename }'));
      // Two seconds of attack, 8 callers at a time, each sending the bomb again as soon as it is answered.
      const until = Date.now() + 2000;
      const bombs: { answer: Answer; ms: number }[] = [];
      const probes: number[] = [];
      const attack = Array.from({ length: 8 }, async () => {
        while (Date.now() < until) {
          const t = performance.now();
          const answer = await post(gateway.url, query(bomb));
          bombs.push({ answer, ms: performance.now() - t });
        }
      });
      const probing = (async () => {
        while (Date.now() < until) {
          const t = performance.now();
          const answer = await post(gateway.url, query('{ __typename }'));
          expect(answer.body.data).toEqual({ __typename: 'Query' });
          probes.push(performance.now() - t);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      await Promise.all([...attack, probing]);
      const slowestBomb = Math.max(...bombs.map((b) => b.ms));
      const slowestProbe = Math.max(...probes);
      console.log(
        `fragment bomb (${bomb.length} bytes, 2^40 fields), 8 callers for 2 s: ${bombs.length} refused, slowest ` +
          `${slowestBomb.toFixed(0)} ms; { __typename } meanwhile: ${probes.length} answers, slowest ${slowestProbe.toFixed(0)} ms`,
      );
      for (const { answer } of bombs) {
        expectRefused(answer);
        expect(answer.body.errors?.[0]?.message).toMatch(/expands to 1099511627777 fields .* over the limit of 2000/);
      }
      expect(bombs.length).toBeGreaterThan(100);
      expect(slowestBomb).toBeLessThan(1000);
      expect(probes.length).toBeGreaterThan(10);
      expect(slowestProbe).toBeLessThan(500);
    } finally {
      gateway.child.kill('SIGKILL');
    }
  }, 30_000);

  describe('the expanded size, counted without expanding', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ gateway: { limits: { expandedFields: 65 } } });
    });
    afterAll(() => stack.close());

    it('allows a document at the limit and refuses one field more, before any upstream call', async () => {
      // sources (1) + 2^6 leaves = 65.
      const at = await post(stack, query(fragmentBomb(6)));
      expect(at.status).toBe(200);
      expect(at.body.errors).toBeUndefined();
      stack.reset();
      const over = await post(stack, query(fragmentBomb(6, 'source configured')));
      expectRefused(over);
      expect(over.body.errors?.[0]?.message).toMatch(/expands to 129 fields .* over the limit of 65/);
      expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
    });

    it('counts a fragment spread in many places each time, inline fragments too', async () => {
      // sources (1) + 33 spreads of 2 fields = 67: merged, the answer would have 2 fields; spread, the work has 67.
      const text = `{ sources { ${'...S '.repeat(33)}} } fragment S on SourceInfo { ... on SourceInfo { source configured } }`;
      const answer = await post(stack, query(text));
      expectRefused(answer);
      expect(answer.body.errors?.[0]?.message).toMatch(/expands to 67 fields/);
    });

    it('leaves fragment cycles and unknown fragments to validation (an answer, not a hang)', async () => {
      const cycle = await post(
        stack,
        query('{ sources { ...A } } fragment A on SourceInfo { source ...B } fragment B on SourceInfo { ...A }'),
      );
      expectRefused(cycle);
      expect(cycle.body.errors?.[0]?.message).toMatch(/Cannot spread fragment "A" within itself/);
      const unknown = await post(stack, query('{ sources { ...Nowhere } }'));
      expectRefused(unknown);
      expect(unknown.body.errors?.[0]?.message).toMatch(/Unknown fragment "Nowhere"/);
    });
  });
});

describe.each([
  { jit: true, name: 'with graphql-jit' },
  { jit: false, name: 'without graphql-jit' },
])('client mistakes are the client’s: 4xx and BAD_USER_INPUT, never a 500 ($name)', ({ jit }) => {
  let stack: Stack;
  let roomy: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: { jit } });
    // Room for 20,000 levels of objects (the default 100 kB body holds 20,000 levels of lists only) and in the text.
    roomy = await startStack({ gateway: { jit, maxBodyBytes: 1_000_000, limits: { tokens: 100_000 } } });
  });
  afterAll(async () => {
    await stack.close();
    await roomy.close();
  });
  afterEach(() => stack.reset());

  /** Twice: graphql-jit compiles a document the second time it comes, so both paths answer. */
  async function twice(target: Stack, body: string, accept?: string): Promise<Answer[]> {
    return [await post(target, body, accept), await post(target, body, accept)];
  }

  it.each([
    'mutation { addContact }',
    'subscription { __typename }',
    'subscription { contacts { id } }',
    'query Q { __typename } mutation M { addContact }',
  ])('refuses operations on fields the schema does not serve, before anything runs: %s', async (text) => {
    const body = JSON.stringify({ query: text, operationName: text.startsWith('query Q') ? 'Q' : undefined });
    for (const answer of await twice(stack, body)) expectRefused(answer);
    // A plain JSON client gets the same error (GraphQL-over-HTTP: 200 with application/json), never a 500.
    const legacy = await post(stack, body, 'application/json');
    expectRefused(legacy, 200);
    expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
  });

  it('refuses variables nested 20,000 deep (lists and objects)', async () => {
    const lists = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
    for (const answer of await twice(
      stack,
      `{"query":"query($ids: [ID!]!) { nodes(ids: $ids) { id } }","variables":{"ids":${lists}}}`,
    )) {
      expectRefused(answer);
      expect(answer.body.errors?.[0]?.message).toMatch(/variables are nested deeper than 128 levels/);
    }
    const objects = `${'{"email":'.repeat(20_000)}"a@b.co"${'}'.repeat(20_000)}`;
    for (const answer of await twice(
      roomy,
      `{"query":"query($f: ContactFilter) { contacts(filter: $f) { nodes { id } } }","variables":{"f":${objects}}}`,
    )) {
      expectRefused(answer);
    }
    // Unused, or under another key, they would still be walked by whoever reads the request.
    expectRefused(await post(roomy, `{"query":"{ __typename }","variables":{"unused":${objects}}}`));
    expectRefused(await post(roomy, `{"query":"{ __typename }","extensions":{"x":${objects}}}`));
  });

  it('refuses a query text nested 20,000 deep, when the token limit would allow it', async () => {
    const literal = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
    const answer = await post(roomy, query(`{ nodes(ids: ${literal}) { id } }`));
    expectRefused(answer);
    expect(answer.body.errors?.[0]?.message).toMatch(/query is nested deeper than 128 levels/);
    const selections = `{ sources ${'{ source '.repeat(20_000)}${'}'.repeat(20_001)}`;
    expectRefused(await post(roomy, query(selections)));
    // Brackets inside strings and comments are not nesting.
    const quoted = await post(
      roomy,
      query(
        `# ${'{'.repeat(500)}\n{ person(email: "${'['.repeat(150)}") { key } p2: person(phone: """${'('.repeat(150)}""") { key } }`,
      ),
    );
    expect(JSON.stringify(quoted.body)).not.toMatch(/nested deeper/);
  });

  it.each([
    ['an email', 'query($v: String) { person(email: $v) { key } }'],
    ['a source id', 'query($v: String!) { contactBySourceId(source: INTERCOM, sourceId: $v) { id } }'],
    ['a filter', 'query($v: String) { contacts(filter: { query: $v }) { nodes { id } } }'],
    ['a global id', 'query($v: ID!) { contact(id: $v) { id } }'],
  ])('refuses a lone surrogate in %s given as a variable, with no upstream call', async (_, text) => {
    for (const escaped of ['\\ud800', 'a\\udfffb', '\\udc00\\ud800']) {
      for (const answer of await twice(stack, `{"query":${JSON.stringify(text)},"variables":{"v":"${escaped}"}}`)) {
        expectRefused(answer);
        expect(answer.body.errors?.[0]?.message).toMatch(/Variable "\$v" is not valid Unicode text/);
      }
    }
    // A well-formed pair is text like any other.
    const pair = await post(stack, `{"query":${JSON.stringify(text)},"variables":{"v":"\\ud83d\\ude00"}}`);
    expect(JSON.stringify(pair.body)).not.toMatch(/not valid Unicode/);
    expect(pair.status).toBeLessThan(500);
  });

  it('refuses a lone surrogate in the query text, escaped or raw', async () => {
    for (const text of [
      '{ person(email: "\\ud800") { key } }',
      '{ contacts(filter: { query: "a\\udc00" }) { nodes { id } } }',
      '{ person(email: "\ud800") { key } }',
    ]) {
      const answer = await post(stack, query(text));
      expectRefused(answer);
      expect(answer.body.errors?.[0]?.message).toMatch(/Syntax Error/);
    }
  });

  it('refuses cursors this gateway never gave out: negative or past-the-end index, a source cursor that is not text', async () => {
    const page = await post(stack, query('{ contacts(first: 2) { pageInfo { endCursor } } }'));
    const endCursor = (page.body.data as { contacts: { pageInfo: { endCursor: string } } }).contacts.pageInfo.endCursor;
    const [, c, k, s, f] = JSON.parse(Buffer.from(endCursor, 'base64url').toString()) as unknown[];
    const forged = (state: unknown[]) => Buffer.from(JSON.stringify(state)).toString('base64url');
    for (const state of [
      [-1, c, k, s, f],
      [-1e9, null, 0, s, f],
      [3, null, 0, s, f],
      [0, '\ud800', 0, s, f],
      [0, 'x'.repeat(5000), 0, s, f],
      [0, c, -1, s, f],
    ]) {
      stack.reset();
      for (const answer of await twice(
        stack,
        query(`query($after: String) { contacts(first: 2, after: $after) { nodes { id } } }`, {
          after: forged(state),
        }),
      )) {
        expect(answer.status).toBeLessThan(500);
        expect(answer.body.errors?.[0]?.extensions?.code, JSON.stringify(state)).toBe('BAD_USER_INPUT');
        expect(answer.body.errors?.[0]?.message).toBe('"after" is not a cursor this gateway gave out.');
      }
      expect(stack.calls()).toEqual({ backside: 0, intercom: 0 });
    }
  });
});

describe.each([
  { jit: true, name: 'with graphql-jit' },
  { jit: false, name: 'without graphql-jit' },
])('no error suggests a schema name ($name)', ({ jit }) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateway: { jit } });
  });
  afterAll(() => stack.close());

  it.each([
    ['a field', '{ contacs(first: 1) { nodes { id } } }', undefined, '"contacts"'],
    ['a nested field', '{ sources { sourc } }', undefined, '"source"'],
    ['an argument', '{ contacts(frist: 1) { nodes { id } } }', undefined, '"first"'],
    [
      'a type in a variable',
      'query($f: ContactFiltr) { contacts(filter: $f) { nodes { id } } }',
      undefined,
      '"ContactFilter"',
    ],
    ['a type condition', '{ node(id: "x") { ... on Contct { id } } }', undefined, '"Contact"'],
    ['an input field', '{ contacts(filter: { emial: "a@b.co" }) { nodes { id } } }', undefined, '"email"'],
    ['an enum value', '{ contactBySourceId(source: INTERCOMM, sourceId: "x") { id } }', undefined, '"INTERCOM"'],
    ['an enum value in a list', '{ contacts(sources: [BACKSID]) { nodes { id } } }', undefined, '"BACKSIDE"'],
    ['a variable', 'query($first: Int) { contacts(first: $frist) { nodes { id } } }', undefined, '"$first"?'],
    ['a directive', '{ sources @inclde(if: true) { source } }', undefined, '"include"'],
    [
      'an enum value in variables',
      'query($s: Source!) { contactBySourceId(source: $s, sourceId: "x") { id } }',
      { s: 'INTERCOMM' },
      '"INTERCOM"',
    ],
    [
      'an enum value in a variable list',
      'query($s: [Source!]) { contacts(sources: $s) { nodes { id } } }',
      { s: ['BACKSID'] },
      '"BACKSIDE"',
    ],
    [
      'an input field in variables',
      'query($f: ContactFilter) { contacts(filter: $f) { nodes { id } } }',
      { f: { emial: 'a@b.co' } },
      '"email"',
    ],
  ])('%s', async (_, text, variables, suggestion) => {
    // Twice: graphql-jit compiles a document the second time it comes, and coerces variables its own way.
    for (let i = 0; i < 2; i++) {
      const answer = await post(stack, query(text, variables));
      expect(answer.status).toBeLessThan(500);
      expect(answer.body.errors?.length, JSON.stringify(answer.body)).toBeGreaterThan(0);
      for (const error of answer.body.errors ?? []) {
        expect(error.extensions?.code).toBe('BAD_USER_INPUT');
        expect(error.message).not.toMatch(/did you mean|suggestion/i);
        expect(error.message).not.toContain(suggestion);
      }
    }
  });
});

describe('configuration', () => {
  it('reads QUERY_MAX_EXPANDED_FIELDS, 3000 by default', () => {
    expect(loadConfig({}).limits.expandedFields).toBe(3000);
    expect(loadConfig({ QUERY_MAX_EXPANDED_FIELDS: '500' }).limits.expandedFields).toBe(500);
    expect(() => loadConfig({ QUERY_MAX_EXPANDED_FIELDS: '0' })).toThrow(/QUERY_MAX_EXPANDED_FIELDS/);
    expect(() => loadConfig({ QUERY_MAX_EXPANDED_FIELDS: 'many' })).toThrow(/QUERY_MAX_EXPANDED_FIELDS/);
  });
});

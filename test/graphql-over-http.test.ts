// The GraphQL over HTTP spec's server audits (graphql-http's serverAudits) against the real gateway over HTTP on
// loopback, one test per audit named by its id, so a failure says which requirement broke. Every audit must be 'ok':
// a 'warn' (a SHOULD) or 'error' (a MUST) fails, and so does a MAY's 'notice', since all pass today.
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Stack, serveOnLoopback, startStack } from './helpers/stack.js';

let stack: Stack;
let served: Awaited<ReturnType<typeof serveOnLoopback>>;
let url: string;

beforeAll(async () => {
  stack = await startStack();
  served = await serveOnLoopback(stack.gateway);
  url = served.url;
});

afterAll(async () => {
  await served.close();
  await stack.close();
});

// CSRF prevention (src/yoga.ts) refuses, with a 403, any request a browser could send cross-site without a preflight:
// a GET, or a POST with a "simple" content type (text/plain, form data), unless it carries x-graphql-yoga-csrf,
// apollo-require-preflight or x-apollo-operation-name. The audits' GETs carry no such header and no content type, so
// this wrapper adds `x-graphql-yoga-csrf: 1` to a GET that lacks a header the gateway accepts, as any script caller
// using GET must; nothing else is touched. Only MAY audits send GETs (the spec leaves GET support optional), so no
// MUST or SHOULD audit is helped: each test below checks that. Without the header those GETs are the 403 tested
// at the end of this file.
const ACCEPTED = ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name'];
const SIMPLE = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
let csrfHeaderAdded = 0;
const fetchFn = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const request = new Request(input, init);
  const contentType = request.headers.get('content-type')?.toLowerCase();
  const preflighted = contentType !== undefined && !SIMPLE.some((simple) => contentType.startsWith(simple));
  if (request.method === 'GET' && !preflighted && !ACCEPTED.some((name) => request.headers.has(name))) {
    request.headers.set('x-graphql-yoga-csrf', '1');
    csrfHeaderAdded++;
  }
  return fetch(request);
};

describe('GraphQL over HTTP server audits (graphql-http)', () => {
  beforeEach(() => {
    csrfHeaderAdded = 0;
  });

  for (const audit of serverAudits({ url: () => url, fetchFn })) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
      if (!audit.name.startsWith('MAY'))
        expect(csrfHeaderAdded, 'a MUST or SHOULD audit needed the CSRF header').toBe(0);
    });
  }
});

describe('a GET needs a header a cross-site page cannot send without a preflight', () => {
  const get = (headers: Record<string, string> = {}) =>
    fetch(`${url}?query=${encodeURIComponent('{ __typename }')}`, { headers });

  it('refuses a bare GET with 403', async () => {
    const response = await get();
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Required CSRF header(s) not present');
  });

  it('answers a GET with x-graphql-yoga-csrf, apollo-require-preflight, or content-type: application/json', async () => {
    const accepted: Record<string, string>[] = [
      { 'x-graphql-yoga-csrf': '1' },
      { 'apollo-require-preflight': 'true' },
      // What Apollo Client sends on every request, GETs included (useGETForQueries).
      { 'content-type': 'application/json' },
    ];
    for (const headers of accepted) {
      const response = await get(headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    }
  });
});

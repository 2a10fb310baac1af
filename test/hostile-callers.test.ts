// Hostile callers and a hostile start: the real entry point (src/index.ts) over real HTTP, and the gateway served on a
// loopback port with its logger captured. Cross-origin pages (CORS), the edges of authentication, what a refused or
// failed request writes to the log, and a port that is taken or workers that keep dying.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DemoUpstreams, startDemoUpstreams } from '../src/demo/index.js';
import { gatewayLogger } from '../src/logger.js';
import { descendants, waitFor } from './helpers/processes.js';
import { type Stack, startStack } from './helpers/stack.js';

const API_KEY = 'key-0123456789abcdef';
const SECRET = 'a-shared-secret-of-at-least-32-characters';
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'contact-gateway';
const QUERY = '{ contacts(first: 1, sources: [BACKSIDE]) { nodes { id } } }';

const token = (claims: object, options: jwt.SignOptions = {}) =>
  jwt.sign(claims, SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE, ...options });
const EXPIRED = () => token({ sub: 'svc', exp: Math.floor(Date.now() / 1000) - 60 });
const VALID = () => token({ sub: 'svc' }, { expiresIn: 60 });
const NO_EXP = () => token({ sub: 'svc' });

interface Entry {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Spawns src/index.ts as an operator runs it; resolves once it serves (`serves: false`: once it has started). */
function spawnEntry(env: NodeJS.ProcessEnv): Omit<Entry, 'port'> {
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...env };
  for (const name of ['BACKSIDE_API_KEY', 'INTERCOM_ACCESS_TOKEN', 'DEBUG', 'CORS_ORIGINS', 'GATEWAY_AUTH'])
    if (!(name in env)) delete full[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env: full,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function startEntry(env: NodeJS.ProcessEnv): Promise<Entry> {
  const entry = spawnEntry(env);
  const [, port] = await waitFor(entry.stdout, /GraphiQL at http:\/\/localhost:(\d+)\/graphql/, 30_000);
  return { ...entry, port: Number(port) };
}

/** The real upstream mode: Backside is the loopback fake, with its key, as if it were the real API. */
const realUpstreams = (upstreams: DemoUpstreams, env: NodeJS.ProcessEnv = {}) => ({
  BACKSIDE_API_KEY: 'bsk_test_demo',
  BACKSIDE_BASE_URL: upstreams.backside.url,
  UPSTREAM_RETRIES: '0',
  ...env,
});

const accessControl = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));

function preflight(port: number, origin: string) {
  return fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-api-key',
    },
  });
}

function post(port: number, headers: Record<string, string> = {}, query = QUERY) {
  return fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
}

/** Lines that can only come from a stack trace or a dumped error object. */
const STACK = /^\s+at |node_modules|\.ts:\d+|\.js:\d+|^\s*\{$|^Error:/m;

let upstreams: DemoUpstreams;
beforeAll(async () => {
  upstreams = await startDemoUpstreams();
});
afterAll(() => upstreams.close());

describe('CORS: which web pages may read the answers', () => {
  it('in the demo (auth off), pages on this machine only; any other origin gets no Access-Control header', async () => {
    const demo = await startEntry({});
    for (const origin of ['https://evil.example', 'http://localhost.evil.example:3000', 'null', 'http://127.0.0.2']) {
      const refused = await preflight(demo.port, origin);
      expect(accessControl(refused), origin).toEqual({});
      // The request itself (a page's "simple" one that skips the preflight) is answered, but not for that page.
      const answered = await post(demo.port, { origin });
      expect(answered.status).toBe(200);
      expect(accessControl(answered), origin).toEqual({});
      // The answer depends on the Origin even when it carries no CORS header: a shared cache must know.
      expect(answered.headers.get('vary'), origin).toMatch(/Origin/);
      expect(refused.headers.get('vary'), origin).toMatch(/Origin/);
    }
    for (const origin of ['http://localhost:5173', 'https://localhost:8443', 'http://127.0.0.1:3000']) {
      const allowed = await preflight(demo.port, origin);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin'), origin).toBe(origin);
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      expect(allowed.headers.get('vary')).toMatch(/Origin/);
      const answered = await post(demo.port, { origin });
      expect(answered.headers.get('access-control-allow-origin')).toBe(origin);
      expect(((await answered.json()) as { data: unknown }).data).toBeTruthy();
    }
    // Callers that are not browsers send no Origin: unaffected.
    const plain = await post(demo.port);
    expect(plain.status).toBe(200);
    expect(accessControl(plain)).toEqual({});
  }, 60_000);

  it('with real upstreams: no other origin by default, exact CORS_ORIGINS only, never with credentials', async () => {
    const closed = await startEntry(realUpstreams(upstreams, { GATEWAY_AUTH: 'disabled' }));
    for (const origin of ['http://localhost:3000', 'https://evil.example']) {
      expect(accessControl(await preflight(closed.port, origin)), origin).toEqual({});
      expect(accessControl(await post(closed.port, { origin })), origin).toEqual({});
    }
    // GraphiQL served here: the page and its same-origin POSTs work without any CORS header.
    const page = await fetch(`http://127.0.0.1:${closed.port}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/GraphiQL|graphiql/);
    const sameOrigin = await post(closed.port, { origin: `http://127.0.0.1:${closed.port}` });
    expect(((await sameOrigin.json()) as { data: unknown }).data).toBeTruthy();

    const listed = await startEntry(
      realUpstreams(upstreams, { GATEWAY_AUTH: 'disabled', CORS_ORIGINS: 'https://app.example.com' }),
    );
    const allowed = await preflight(listed.port, 'https://app.example.com');
    expect(accessControl(allowed)).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'GET, POST',
    });
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    for (const origin of ['https://app.example.com.evil.example', 'http://app.example.com', 'http://localhost:3000']) {
      expect(accessControl(await preflight(listed.port, origin)), origin).toEqual({});
    }
    expect(listed.stdout()).toMatch(/Cross-origin pages allowed \(CORS\): https:\/\/app\.example\.com\./);
  }, 60_000);
});

describe('authentication edges, and what a refusal writes to the log (the real entry point)', () => {
  let gateway: Entry;
  beforeAll(async () => {
    gateway = await startEntry(
      realUpstreams(upstreams, {
        GATEWAY_API_KEYS: API_KEY,
        JWT_SECRET: SECRET,
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
      }),
    );
    // Shared by this block's tests: stopped after the last of them, not after each.
    children.splice(children.indexOf(gateway.child), 1);
  }, 40_000);
  afterAll(() => {
    gateway.child.kill('SIGKILL');
  });

  it('a valid X-Api-Key is enough, whatever Authorization header comes beside it', async () => {
    for (const authorization of ['Bearer not-a-jwt', 'Basic Zm9vOmJhcg==', `Bearer ${EXPIRED()}`, 'Bearer']) {
      const response = await post(gateway.port, { 'x-api-key': API_KEY, authorization });
      expect(response.status, authorization).toBe(200);
      expect(((await response.json()) as { data: unknown }).data, authorization).toBeTruthy();
    }
    // One valid credential is enough: a valid token beside a wrong key too.
    expect((await post(gateway.port, { 'x-api-key': 'wrong-key', authorization: `Bearer ${VALID()}` })).status).toBe(
      200,
    );
  });

  it('refuses a JWT without exp, and every 401 says how to authenticate (RFC 6750), with no upstream call', async () => {
    upstreams.backside.reset();
    expect((await post(gateway.port, { authorization: `Bearer ${VALID()}` })).status).toBe(200);
    upstreams.backside.reset();
    const cases: [Record<string, string>, RegExp][] = [
      [
        { authorization: `Bearer ${NO_EXP()}` },
        /error="invalid_token", error_description="The token has no exp claim"/,
      ],
      [{ authorization: `Bearer ${EXPIRED()}` }, /error="invalid_token", error_description="The token has expired"/],
      [{ authorization: 'Bearer not-a-jwt' }, /error="invalid_token", error_description="The token is not a JWT"/],
      [
        { authorization: `Bearer ${token({ sub: 'a' }, { expiresIn: 60, audience: 'another' })}` },
        /error="invalid_token", error_description="The token is for another audience"/,
      ],
      [{}, /^Bearer realm="contact-gateway", ApiKey realm="contact-gateway", header="X-Api-Key"$/],
      [
        { 'x-api-key': 'wrong-key' },
        /^Bearer realm="contact-gateway", ApiKey realm="contact-gateway", header="X-Api-Key"$/,
      ],
      [{ authorization: 'Basic Zm9vOmJhcg==' }, /^Bearer realm="contact-gateway", ApiKey/],
    ];
    for (const [headers, challenge] of cases) {
      const response = await post(gateway.port, headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get('www-authenticate'), JSON.stringify(headers)).toMatch(
        /^Bearer realm="contact-gateway"/,
      );
      expect(response.headers.get('www-authenticate'), JSON.stringify(headers)).toMatch(challenge);
      expect(((await response.json()) as { errors: { extensions: unknown }[] }).errors[0]?.extensions).toEqual({
        code: 'UNAUTHENTICATED',
        requestId: expect.any(String),
      });
    }
    expect(upstreams.backside.calls).toHaveLength(0);
  });

  it('logs each refused credential, bad input and upstream failure as one line, never a stack', async () => {
    const before = { out: gateway.stdout().length, err: gateway.stderr().length };
    for (let i = 0; i < 20; i++) await post(gateway.port, { authorization: `Bearer not-a-jwt-${i}` });
    await post(gateway.port, { authorization: `Bearer ${EXPIRED()}` });
    const key = { 'x-api-key': API_KEY };
    await post(gateway.port, key, '{ contacts(first: 1, sources: [INTERCOM]) { nodes { id } } }');
    await post(gateway.port, key, '{ contacts(first: 0) { nodes { id } } }');
    const off = upstreams.backside.use((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"unavailable","message":"down"}}');
      return true;
    });
    await post(gateway.port, key, '{ contactBySourceId(source: BACKSIDE, sourceId: "abc") { id } }');
    off();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stdout = gateway.stdout().slice(before.out);
    const stderr = gateway.stderr().slice(before.err);
    expect(`${stdout}\n${stderr}`).not.toMatch(STACK);
    expect(stderr).not.toMatch(/ERR/);
    // JSON lines (LOG_FORMAT defaults to json with real upstreams), every one on stdout.
    const records = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: string; msg: string; requestId?: string });
    expect(records.filter((record) => record.level === 'error')).toEqual([]);
    const lines = (level: string, pattern: RegExp) =>
      records.filter((record) => record.level === level && pattern.test(record.msg));
    expect(lines('info', /UNAUTHENTICATED.*The token is not a JWT/)).toHaveLength(20);
    expect(lines('info', /UNAUTHENTICATED.*The token has expired/)).toHaveLength(1);
    expect(lines('info', /SOURCE_NOT_CONFIGURED INTERCOM at contacts/)).toHaveLength(1);
    expect(lines('info', /BAD_USER_INPUT at contacts/)).toHaveLength(1);
    expect(lines('warn', /UPSTREAM_UNAVAILABLE/).length).toBeGreaterThanOrEqual(1);
    expect(lines('warn', /UPSTREAM_UNAVAILABLE BACKSIDE at contactBySourceId/)).toHaveLength(1);
    // One request line each, with its id.
    expect(lines('info', /^request$/).length).toBeGreaterThanOrEqual(24);
    expect(lines('info', /^request$/).every((record) => typeof record.requestId === 'string')).toBe(true);
  });
});

describe('the logger (captured)', () => {
  const entries: { level: string; args: unknown[] }[] = [];
  const capture = {
    debug: (...args: unknown[]) => entries.push({ level: 'debug', args }),
    info: (...args: unknown[]) => entries.push({ level: 'info', args }),
    warn: (...args: unknown[]) => entries.push({ level: 'warn', args }),
    error: (...args: unknown[]) => entries.push({ level: 'error', args }),
  };
  let stack: Stack;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    stack = await startStack({
      sources: ['BACKSIDE'],
      gateway: {
        logging: capture,
        upstream: { retries: 0 },
        auth: {
          apiKeys: [API_KEY],
          jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE, algorithm: 'HS256' },
        },
      },
    });
    server = createServer(stack.gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.close();
    await stack.close();
  });

  it('hands expected failures over as one string at info or warn, nothing at error', async () => {
    entries.length = 0;
    for (const authorization of ['Bearer x', `Bearer ${EXPIRED()}`, `Bearer ${NO_EXP()}`, 'Basic abc']) {
      expect((await post(port, { authorization })).status).toBe(401);
    }
    expect((await post(port, { 'x-api-key': 'wrong' })).status).toBe(401);
    const key = { 'x-api-key': API_KEY };
    await post(port, key, '{ contacts(first: 1, sources: [INTERCOM]) { nodes { id } } }');
    await post(port, key, '{ contactBySourceId(source: BACKSIDE, sourceId: "") { id } }');
    const off = stack.upstreams.backside.use((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{}');
      return true;
    });
    await post(port, key, '{ contactBySourceId(source: BACKSIDE, sourceId: "abc") { id } }');
    off();

    const shown = entries.filter((entry) => entry.level !== 'debug');
    expect(shown.filter((entry) => entry.level === 'error')).toEqual([]);
    for (const entry of entries) {
      for (const arg of entry.args) {
        expect(typeof arg, JSON.stringify(entry)).toBe('string');
        expect(arg as string).not.toMatch(/\n/);
      }
    }
    const text = (level: string) =>
      shown.filter((entry) => entry.level === level).map((entry) => (entry.args as string[]).join(' '));
    expect(text('info')).toEqual([
      expect.stringMatching(/^UNAUTHENTICATED from .*: Bearer token refused: The token is not a JWT$/),
      expect.stringMatching(/Bearer token refused: The token has expired$/),
      expect.stringMatching(/Bearer token refused: The token has no exp claim$/),
      expect.stringMatching(/: no credentials$/),
      expect.stringMatching(/: X-Api-Key not valid$/),
      'SOURCE_NOT_CONFIGURED INTERCOM at contacts: Intercom is not configured on this gateway.',
      'BAD_USER_INPUT at contactBySourceId: "sourceId" must not be empty.',
    ]);
    expect(text('warn')).toEqual([
      expect.stringMatching(/^upstream BACKSIDE UPSTREAM_UNAVAILABLE .*attempt 1$/),
      expect.stringMatching(
        /^UPSTREAM_UNAVAILABLE BACKSIDE at contactBySourceId: Backside is unavailable\. \(.*500\)$/,
      ),
    ]);
  });

  it('accepts a JWT without exp when told to (JWT_REQUIRE_EXP=off)', async () => {
    const lenient = await startStack({
      sources: ['BACKSIDE'],
      gateway: {
        logging: false,
        auth: {
          apiKeys: [],
          jwt: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE, algorithm: 'HS256', requireExp: false },
        },
      },
    });
    const lenientServer = createServer(lenient.gateway);
    await new Promise<void>((resolve) => lenientServer.listen(0, '127.0.0.1', resolve));
    try {
      const lenientPort = (lenientServer.address() as AddressInfo).port;
      const response = await post(lenientPort, { authorization: `Bearer ${NO_EXP()}` });
      expect(response.status).toBe(200);
      // With JWTs only, the challenge names no API key.
      const refused = await post(lenientPort, { 'x-api-key': API_KEY });
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="contact-gateway"');
    } finally {
      lenientServer.close();
      await lenient.close();
    }
  });

  it('keeps the stack of what nobody expected', () => {
    const logged: unknown[][] = [];
    const logger = gatewayLogger({ ...capture, error: (...args: unknown[]) => logged.push(args) });
    const bug = new TypeError('cannot read properties of undefined');
    logger.error(bug);
    expect(logged).toEqual([[bug]]);
  });
});

describe('start-up', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    port = (taken.address() as AddressInfo).port;
  });
  afterAll(() => {
    taken.close();
  });

  it.each([['1'], ['2']])(
    'a port in use (WORKERS=%s): one line on stderr, exit 1',
    async (workers) => {
      const started = Date.now();
      const entry = spawnEntry({ PORT: String(port), WORKERS: workers });
      expect(await entry.exited).toBe(1);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(entry.stderr()).toBe(
        `Cannot start: port ${port} is already in use (EADDRINUSE); stop what holds it or set PORT.\n`,
      );
      expect(entry.stdout()).not.toMatch(/GraphiQL at|starting another/);
    },
    30_000,
  );

  it('WORKERS: workers that keep dying are replaced with growing waits, then the primary gives up with exit 1', async () => {
    const primary = await startEntry({ WORKERS: '2' });
    const pid = primary.child.pid as number;
    let exitCode: number | null | undefined;
    void primary.exited.then((code) => {
      exitCode = code;
    });
    const started = Date.now();
    while (exitCode === undefined && Date.now() - started < 20_000) {
      for (const worker of descendants(pid).filter((p) => p.ppid === pid)) {
        try {
          process.kill(worker.pid, 'SIGKILL');
        } catch {}
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    expect(await primary.exited).toBe(1);
    const stderr = primary.stderr().trim().split('\n');
    expect(stderr.filter((line) => /starting another in \d+ ms/.test(line))).toHaveLength(5);
    expect(stderr.map((line) => /starting another in (\d+) ms/.exec(line)?.[1]).filter(Boolean)).toEqual([
      '100',
      '200',
      '400',
      '800',
      '1600',
    ]);
    expect(stderr.at(-1)).toMatch(/^Stopping: 6 workers died within 60 s \(the last: SIGKILL\); not starting more\.$/);
    expect(stderr).toHaveLength(6);
  }, 40_000);
});

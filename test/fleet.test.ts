// A real fleet: Redis on a free loopback port, three gateway processes (src/index.ts, as an operator runs them) over
// one set of loopback fakes, and nginx in front of them, round robin. Through nginx it shows what the replicas share:
// a response cached by one served by another with no upstream call, one 30-calls-a-minute Backside budget for all
// three, an idempotent create replayed through other replicas writing once; then Redis killed mid-run (no 5xx,
// readiness 503 with redis 'down') and restarted on the same port (readiness 200, sharing again). The counted numbers
// are printed for the closing note. Skipped, with a message, only where redis-server or nginx is not installed (CI
// installs both: .ci/run).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_BACKSIDE_API_KEY,
  DEMO_INTERCOM_ADMIN_ID,
  DEMO_INTERCOM_TOKEN,
  type DemoUpstreams,
  startDemoUpstreams,
} from '../src/demo/index.js';
import { startRedis as startTestRedis } from './helpers/redis.js';
import {
  accepts,
  freePort,
  type SpawnedGateway,
  spawnGateway,
  spawnUntilReady,
  stopProcess,
} from './helpers/spawn-gateway.js';

/** An executable by name on PATH, or in the sbin directories a non-root PATH may lack; undefined when absent. */
function which(name: string): string | undefined {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const directory of directories.filter(Boolean)) {
    const path = join(directory, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

const REDIS_SERVER = which('redis-server');
const NGINX = which('nginx');
const missing = [!REDIS_SERVER && 'redis-server', !NGINX && 'nginx'].filter(Boolean).join(' and ');
if (missing) {
  console.warn(`test/fleet.test.ts SKIPPED: ${missing} not installed here (CI installs both: see .ci/run).`);
}

const REPLICAS = 3;
const BACKSIDE_BUDGET_PER_MIN = 30;
const API_KEY = 'fleet-test-key-0123456789';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';

interface Answer {
  status: number;
  /** Which replica nginx sent it to (its $upstream_addr), or the replica's own address when asked directly. */
  servedBy: string;
  body: {
    data?: Record<string, any> | null;
    errors?: { message: string; extensions?: { code?: string; source?: string } }[];
  };
}

/** Readiness as the observability part defines it: 200 or 503, `{ status, sources, redis }`. */
interface Readiness {
  status: number;
  body: { status?: string; sources?: unknown; redis?: 'off' | 'ok' | 'down' };
  /** The text as received, when it is not JSON (kept for the failure message). */
  raw?: string;
}

interface Fleet {
  dir: string;
  upstreams: DemoUpstreams;
  redisPort: number;
  redis: ChildProcess | undefined;
  gateways: SpawnedGateway[];
  nginx: ChildProcess | undefined;
  nginxPort: number;
}

let fleet: Fleet | undefined;

/** redis-server in the foreground on 127.0.0.1:port, no persistence (the same port again restarts it there). */
const startRedis = async (port: number): Promise<ChildProcess> => (await startTestRedis(port)).child;

/** nginx in the foreground, everything it writes inside `dir`, round robin over the replicas on 127.0.0.1:port. */
async function startNginx(dir: string, port: number, replicas: number[]): Promise<ChildProcess> {
  // Workers run as nobody when the master is root: they must reach the temp directories below `dir`.
  chmodSync(dir, 0o755);
  const config = `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream gateway {
${replicas.map((replica) => `    server 127.0.0.1:${replica};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://gateway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # A POST is not retried on another replica: a write must not be sent twice by the balancer.
      proxy_next_upstream off;
      # Which replica answered, for the test only.
      add_header X-Replica $upstream_addr always;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child = await spawnUntilReady(
    'nginx',
    NGINX as string,
    ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    () => accepts(port),
  );
  return child;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GraphQL request through nginx (or straight to one replica with `origin`). */
async function graphql(query: string, variables?: Record<string, unknown>, origin?: string): Promise<Answer> {
  const target = origin ?? `http://127.0.0.1:${(fleet as Fleet).nginxPort}`;
  const response = await fetch(`${target}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, 'x-api-key': API_KEY },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let body: Answer['body'];
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    body = { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
  }
  return { status: response.status, servedBy: response.headers.get('x-replica') ?? target, body };
}

async function readiness(gateway: SpawnedGateway): Promise<Readiness> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${gateway.origin}/readiness`, { signal: AbortSignal.timeout(5000) });
    text = await response.text();
  } catch (error) {
    return { status: 0, body: {}, raw: `no answer: ${String((error as Error).cause ?? error)}` };
  }
  try {
    return { status: response.status, body: JSON.parse(text) as Readiness['body'] };
  } catch {
    const length = response.headers.get('content-length');
    return { status: response.status, body: {}, raw: `${text} (content-length ${length}, ${text.length} received)` };
  }
}

/** Polls every replica's readiness until each matches, or `ms` passes; returns the last answers either way. */
async function readinessOfAll(expected: { status: number; redis: string }, ms: number): Promise<Readiness[]> {
  const started = Date.now();
  for (;;) {
    const answers = await Promise.all((fleet as Fleet).gateways.map(readiness));
    const all = answers.every((answer) => answer.status === expected.status && answer.body.redis === expected.redis);
    if (all || Date.now() - started > ms) return answers;
    await sleep(100);
  }
}

/** Each replica's log lines about Redis (down, back), in order. */
const redisLines = () =>
  (fleet as Fleet).gateways.map((gateway) =>
    gateway
      .output()
      .split('\n')
      .filter((line) => /redis (down|back)/i.test(line))
      .map((line) => line.slice(0, 200)),
  );

const codes = (answer: Answer) => (answer.body.errors ?? []).map((error) => error.extensions?.code ?? 'NO_CODE');

let stopped: Promise<void> | undefined;

/** Stops nginx, the replicas, Redis and the fakes; idempotent. */
function stopFleet(): Promise<void> {
  stopped ??= stopAll();
  return stopped;
}

async function stopAll(): Promise<void> {
  if (!fleet) return;
  const { nginx, gateways, redis, upstreams } = fleet;
  await Promise.all([
    nginx ? stopProcess(nginx, 3000) : undefined,
    ...gateways.map((gateway) => gateway.stop(5000)),
    redis ? stopProcess(redis, 3000) : undefined,
  ]);
  await upstreams.close();
}

/** pgrep's pids for a pattern (-f: full command line), or children of a pid (-P). */
function pgrep(args: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    const child = spawn('pgrep', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', () => resolve([]));
    child.once('exit', () => resolve(output.split(/\s+/).filter(Boolean).map(Number)));
  });
}

/** The numbers for the closing note, printed at the end. */
const numbers: Record<string, unknown> = {};

describe.skipIf(Boolean(missing))(`fleet: ${REPLICAS} replicas sharing Redis behind nginx`, () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-fleet-'));
    const upstreams = await startDemoUpstreams();
    fleet = { dir, upstreams, redisPort: 0, redis: undefined, gateways: [], nginx: undefined, nginxPort: 0 };
    fleet.redisPort = await freePort();
    fleet.redis = await startRedis(fleet.redisPort);
    const env: NodeJS.ProcessEnv = {
      BACKSIDE_API_KEY: DEMO_BACKSIDE_API_KEY,
      BACKSIDE_BASE_URL: upstreams.backside.url,
      INTERCOM_ACCESS_TOKEN: DEMO_INTERCOM_TOKEN,
      INTERCOM_BASE_URL: upstreams.intercom.url,
      INTERCOM_ADMIN_ID: DEMO_INTERCOM_ADMIN_ID,
      GATEWAY_API_KEYS: API_KEY,
      REDIS_URL: `redis://127.0.0.1:${fleet.redisPort}`,
      GATEWAY_REPLICAS: String(REPLICAS),
      RESPONSE_CACHE_TTL_MS: '60000',
      BACKSIDE_RATE_LIMIT_PER_MIN: String(BACKSIDE_BUDGET_PER_MIN),
      // Intercom carries every other case here: a budget this test never reaches.
      INTERCOM_RATE_LIMIT_PER_MIN: '6000',
      SHUTDOWN_GRACE_MS: '1000',
      METRICS_TOKEN: 'fleet-test-metrics-token',
    };
    fleet.gateways = await Promise.all(
      Array.from({ length: REPLICAS }, () => spawnGateway({ env, timeoutMs: 45_000 })),
    );
    fleet.nginxPort = await freePort();
    fleet.nginx = await startNginx(
      dir,
      fleet.nginxPort,
      fleet.gateways.map((gateway) => gateway.port),
    );
  }, 90_000);

  afterAll(async () => {
    await stopFleet();
    if (fleet) rmSync(fleet.dir, { recursive: true, force: true });
    console.info(`fleet numbers: ${JSON.stringify(numbers, null, 2)}`);
  }, 30_000);

  it('serves through nginx round robin, every replica alive and ready with Redis ok', async () => {
    // As a balancer probes: liveness first, then readiness, on every replica.
    for (const gateway of (fleet as Fleet).gateways) {
      const response = await fetch(`${gateway.origin}/health`, { signal: AbortSignal.timeout(5000) });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'alive' });
    }
    const answers = [];
    for (let i = 0; i < REPLICAS; i++) answers.push(await graphql('{ sources { source } }'));
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(new Set(answers.map((answer) => answer.servedBy)).size).toBe(REPLICAS);
    const ready = await readinessOfAll({ status: 200, redis: 'ok' }, 5000);
    for (const answer of ready)
      expect(answer, JSON.stringify(answer)).toMatchObject({ status: 200, body: { redis: 'ok' } });
  });

  it('a response cached by one replica is served by the others with zero upstream calls', async () => {
    const { upstreams } = fleet as Fleet;
    // A document no earlier case sent: its first execution is the only one that may reach the upstream.
    const query = `query FleetCache { contacts(first: 7, sources: [INTERCOM]) { nodes { id displayName email } } }`;
    upstreams.intercom.reset();
    const first = await graphql(query);
    const callsOfOneExecution = upstreams.intercom.calls.length;
    const second = await graphql(query);
    const third = await graphql(query);
    const callsAfterThree = upstreams.intercom.calls.length;
    numbers.cache = {
      replicas: [first.servedBy, second.servedBy, third.servedBy],
      upstreamCallsOfOneExecution: callsOfOneExecution,
      upstreamCallsAfterThreeRequests: callsAfterThree,
    };
    console.info(`cache across replicas: ${JSON.stringify(numbers.cache)}`);
    for (const answer of [first, second, third]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.contacts.nodes).toHaveLength(7);
    }
    expect(new Set([first.servedBy, second.servedBy, third.servedBy]).size).toBe(REPLICAS);
    expect(callsOfOneExecution).toBeGreaterThan(0);
    expect(callsAfterThree).toBe(callsOfOneExecution);
    expect(second.body.data).toEqual(first.body.data);
    expect(third.body.data).toEqual(first.body.data);
  });

  it(`one ${BACKSIDE_BUDGET_PER_MIN}-calls-a-minute Backside budget holds across the replicas under load`, async () => {
    const { upstreams } = fleet as Fleet;
    // 60 distinct contacts of the demo key's tenant: no cache, dedupe or loader can merge two of them.
    const tenant = upstreams.seed.backside.tenants.find((candidate) => candidate.apiKey === DEMO_BACKSIDE_API_KEY);
    const ids = upstreams.backside.control
      .contacts()
      .filter((contact) => contact.tenant_id === tenant?.id && !contact.deleted_at)
      .map((contact) => contact.id)
      .slice(0, 2 * BACKSIDE_BUDGET_PER_MIN);
    expect(ids).toHaveLength(2 * BACKSIDE_BUDGET_PER_MIN);
    upstreams.backside.reset();
    const started = Date.now();
    const answers = await Promise.all(
      ids.map((id) =>
        graphql('query FleetBudget($id: String!) { contactBySourceId(source: BACKSIDE, sourceId: $id) { sourceId } }', {
          id,
        }),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const upstreamCalls = upstreams.backside.calls.length;
    const served = answers.filter((answer) => answer.body.data?.contactBySourceId?.sourceId && !answer.body.errors);
    const limited = answers.filter((answer) => codes(answer).includes('UPSTREAM_RATE_LIMITED'));
    const statuses = answers.reduce<Record<number, number>>((count, answer) => {
      count[answer.status] = (count[answer.status] ?? 0) + 1;
      return count;
    }, {});
    const byReplica = served.reduce<Record<string, number>>((count, answer) => {
      count[answer.servedBy] = (count[answer.servedBy] ?? 0) + 1;
      return count;
    }, {});
    numbers.budget = {
      requests: ids.length,
      seconds,
      backsideCallsCountedByTheFake: upstreamCalls,
      served: served.length,
      servedByReplica: byReplica,
      upstreamRateLimited: limited.length,
      httpStatuses: statuses,
      upstream429s: upstreams.backside.calls.filter((call) => call.status === 429).length,
      redisLogLines: redisLines(),
    };
    console.info(`rate budget: ${JSON.stringify(numbers.budget)}`);
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
    // The budget holds even when a replica's Redis command times out under the burst (its log then says "redis down
    // (command timed out)", in redisLogLines above): a call Redis counted must not also be let through by a local share.
    expect(upstreamCalls, JSON.stringify(numbers.budget)).toBeLessThanOrEqual(BACKSIDE_BUDGET_PER_MIN);
    // Every request either read its contact or was refused for the budget, never anything else.
    expect(served.length + limited.length, JSON.stringify(answers.map(codes))).toBe(ids.length);
    expect(limited.length).toBeGreaterThanOrEqual(ids.length - BACKSIDE_BUDGET_PER_MIN);
    // The budget was spent, not refused wholesale: each served read is one counted call.
    expect(served.length).toBe(upstreamCalls);
    expect(served.length).toBeGreaterThan(0);
  });

  it('an idempotent create sent through every replica writes once and answers the same contact', async () => {
    const { upstreams } = fleet as Fleet;
    const key = randomUUID();
    const email = `fleet-${key.slice(0, 8)}@example.com`;
    const mutation = `mutation FleetCreate($input: CreateContactInput!) {
      createContact(input: $input) { contact { id email } userErrors { code message } }
    }`;
    const input = { source: 'INTERCOM', email, name: 'Fleet Test', idempotencyKey: key };
    const before = upstreams.intercom.control.count();
    upstreams.intercom.reset();
    const answers = [];
    for (let i = 0; i < REPLICAS; i++) answers.push(await graphql(mutation, { input }));
    const created = upstreams.intercom.control.count() - before;
    const writes = upstreams.intercom.calls.filter(
      (call) => call.method === 'POST' && call.path === '/contacts',
    ).length;
    const ids = answers.map((answer) => answer.body.data?.createContact?.contact?.id);
    numbers.idempotentCreate = {
      replicas: answers.map((answer) => answer.servedBy),
      contactsCreated: created,
      createCallsToIntercom: writes,
      ids,
    };
    console.info(`idempotent create: ${JSON.stringify(numbers.idempotentCreate)}`);
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.errors, JSON.stringify(answer.body)).toBeUndefined();
      expect(answer.body.data?.createContact?.userErrors).toEqual([]);
    }
    expect(new Set(answers.map((answer) => answer.servedBy)).size).toBe(REPLICAS);
    expect(created).toBe(1);
    expect(writes).toBe(1);
    expect(ids[0]).toBeTruthy();
    expect(new Set(ids).size).toBe(1);
  });

  it('Redis killed: no 5xx, readiness 503 with redis down on every replica; restarted: shared again, ready', async () => {
    const current = fleet as Fleet;
    const { upstreams, gateways } = current;
    // SIGKILL: no goodbye to its clients, as a crashed or partitioned Redis.
    const killed = new Promise<void>((resolve) => current.redis?.once('exit', () => resolve()));
    current.redis?.kill('SIGKILL');
    await killed;
    current.redis = undefined;

    // A burst at once, while the replicas are finding out: cached and fresh reads and a write, through nginx.
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        if (i % 3 === 0) {
          return graphql(
            `query FleetCache { contacts(first: 7, sources: [INTERCOM]) { nodes { id displayName email } } }`,
          );
        }
        return graphql(`query FleetDown($n: Int!) { contacts(first: $n, sources: [INTERCOM]) { nodes { id } } }`, {
          n: 1 + (i % 10),
        });
      }),
    );
    const downReadiness = await readinessOfAll({ status: 503, redis: 'down' }, 10_000);
    // Degraded, the replicas still serve: a read answered while Redis is down.
    const during = await Promise.all(
      gateways.map((gateway) =>
        graphql('{ contacts(first: 2, sources: [INTERCOM]) { nodes { id } } }', undefined, gateway.origin),
      ),
    );
    const burstStatuses = burst.reduce<Record<number, number>>((count, answer) => {
      count[answer.status] = (count[answer.status] ?? 0) + 1;
      return count;
    }, {});
    const burstErrors = burst.flatMap(codes);

    // Back on the same port, empty: the replicas reconnect and share again.
    current.redis = await startRedis(current.redisPort);
    const upReadiness = await readinessOfAll({ status: 200, redis: 'ok' }, 15_000);
    const query = `query FleetAfter { contacts(first: 3, sources: [INTERCOM]) { nodes { id displayName } } }`;
    upstreams.intercom.reset();
    const [one, two, three] = gateways as [SpawnedGateway, SpawnedGateway, SpawnedGateway];
    const afterFirst = await graphql(query, undefined, one.origin);
    const callsOfOneExecution = upstreams.intercom.calls.length;
    const afterOthers = [await graphql(query, undefined, two.origin), await graphql(query, undefined, three.origin)];
    const callsAfter = upstreams.intercom.calls.length;

    numbers.redisDown = {
      burst: { requests: burst.length, httpStatuses: burstStatuses, errorCodes: burstErrors },
      readinessWhileDown: downReadiness.map(({ status, body, raw }) => ({ status, redis: body.redis, raw })),
      directReadsWhileDown: during.map((answer) => answer.status),
      readinessAfterRestart: upReadiness.map(({ status, body, raw }) => ({ status, redis: body.redis, raw })),
      afterRestart: {
        upstreamCallsOfOneExecution: callsOfOneExecution,
        upstreamCallsAfterTwoOtherReplicas: callsAfter,
      },
      redisLogLines: redisLines(),
    };
    console.info(`redis down and back: ${JSON.stringify(numbers.redisDown)}`);

    for (const answer of [...burst, ...during]) {
      expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.errors, JSON.stringify(answer.body)).toBeUndefined();
    }
    for (const answer of downReadiness) {
      expect(answer, JSON.stringify(answer)).toMatchObject({ status: 503, body: { redis: 'down' } });
    }
    for (const answer of upReadiness) {
      expect(answer, JSON.stringify(answer)).toMatchObject({ status: 200, body: { redis: 'ok' } });
    }
    for (const answer of [afterFirst, ...afterOthers]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual(afterFirst.body.data);
    }
    expect(callsOfOneExecution).toBeGreaterThan(0);
    expect(callsAfter).toBe(callsOfOneExecution);
  }, 45_000);

  it('stops cleanly: nginx, the replicas and Redis gone, nothing left behind', async () => {
    const current = fleet as Fleet;
    const nginxPid = current.nginx?.pid as number;
    const nginxWorkers = await pgrep(['-P', String(nginxPid)]);
    const pids = [nginxPid, ...nginxWorkers, ...current.gateways.map((gateway) => gateway.pid), current.redis?.pid];
    await stopFleet();
    const alive = pids
      .filter((pid): pid is number => pid !== undefined)
      .filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
    expect(alive).toEqual([]);
    expect(await pgrep(['-f', current.dir])).toEqual([]);
    expect(await pgrep(['-f', `redis-server 127.0.0.1:${current.redisPort}`])).toEqual([]);
    expect(nginxWorkers.length).toBeGreaterThan(0);
    for (const gateway of current.gateways) expect(gateway.exited()).toBe(true);
  });
});

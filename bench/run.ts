// `npm run bench`: fakes with a fixed latency, each system in its own process, autocannon for a fixed time after a
// warm-up; requests/s, p50/p99, errors, peak RSS and upstream calls per request, written to bench/RESULTS.md.
// Options: --duration s (10) --warmup s (3) --connections n (50) --latency 0,20 --systems ours,floor --queries A,B,C,D
// (identical: every request the same query) and/or Av,Bv,Cv,W (varied: every request a different body, bench/varied.ts).
// --profile: systems run by plain node (ours) write a V8 CPU profile of the measured run to
// bench/out/profiles/<system>-<query>-<latency>ms.cpuprofile (`npm run bench:flame` draws it).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { drawChart } from './chart.js';
import { QUERIES, type QueryName } from './queries.js';
import { SYSTEMS } from './systems.js';
import { isVaried, type Pool, VARIED, variedPool, variedSkip } from './varied.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    latency: { type: 'string', default: '0,20' },
    systems: { type: 'string', default: Object.keys(SYSTEMS).join(',') },
    queries: { type: 'string', default: 'A,B,C,D' },
    out: { type: 'string', default: 'bench/RESULTS.md' },
    profile: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const connections = Number(values.connections);

function start(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  ready = /^/,
): Promise<{ child: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that stopping it reaches what npx and tsx started beneath it.
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    started.add(child);
    child.once('exit', () => started.delete(child));
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((text, index, all) => index < all.length - 1 && ready.test(text));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, line });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

// Whatever ends the run, nothing it started outlives it.
const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of started) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
  }
});

/** Stops a started process and everything beneath it; SIGKILL if it lingers. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {}
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL');
}

/** Memory of a process, MB: VmHWM (its peak) or VmRSS (now); 0 once it is gone. */
function memory(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * The processes that serve: those the system named in its ready line (`ready <pid>,<pid>`), else the leaves of the
 * process tree under what we spawned (npx and tsx's launchers are not the system under test).
 */
function servingPids(root: number, line: string, measure?: 'tree'): number[] {
  const named = /^ready\s+([\d,]+)/.exec(line)?.[1];
  if (named && !measure) return named.split(',').map(Number);
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    const kids = children.get(pid) ?? [];
    if (measure === 'tree' || kids.length === 0) found.push(pid);
    for (const kid of kids) walk(kid);
  };
  walk(root);
  return found;
}

/**
 * Node's flags for a CPU profile written at exit (the gateway exits on SIGTERM after draining). The warm-up is in the
 * profile too: a few seconds of start-up against the measured run's, a small share at the durations used.
 */
function profileFlags(name: string): string[] {
  mkdirSync('bench/out/profiles', { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir=bench/out/profiles', `--cpu-prof-name=${name}.cpuprofile`];
}

/** CPU time a process has used so far (user + system), ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of proc(5), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

async function control(url: string, method = 'GET'): Promise<{ backside: number; intercom: number }> {
  return (await (await fetch(url, { method })).json()) as { backside: number; intercom: number };
}

/**
 * Drives one workload, each request the pool's next body; GraphQL errors in a 200 answer count as errors too, and so
 * do a mutation's userErrors.
 */
async function load(url: string, pool: Pool, seconds: number) {
  let graphQLErrors = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: pool.next() }),
        onResponse: (_status: number, body: string) => {
          if (body.includes('"errors"') || body.includes('"userErrors":[{')) graphQLErrors += 1;
        },
      },
    ],
  });
  return Object.assign(result, { graphQLErrors });
}

interface Row {
  latency: number;
  system: string;
  /** A query of bench/queries.ts, or a varied workload of bench/varied.ts. */
  query: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
  /** Resident memory at the start and the end of the measured run, MB: growth shows here. */
  rssStartMb: number;
  rssEndMb: number;
  rssSeries: number[];
  callsPerRequest: number;
  /**
   * CPU time the system's own processes spent per request completed in the measured window, ms: what a request costs
   * whatever else shares the machine (req/s depends on the cores it gets).
   */
  cpuMsPerRequest: number;
  check: string;
}

// Ours is measured as deployed: `npm run build`'s bundle, run by plain node (see bench/systems.ts).
execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });

const rows: Row[] = [];
/** Workloads a system cannot serve, and why: listed under the table. */
const skipped: Array<{ latency: number; system: string; query: string; reason: string }> = [];
for (const latency of values.latency.split(',').map(Number)) {
  const upstreams = await start('npx', ['tsx', 'bench/upstreams.ts', String(latency)]);
  const urls = JSON.parse(upstreams.line) as { backside: string; intercom: string; control: string };
  for (const name of values.systems.split(',')) {
    const system = SYSTEMS[name as keyof typeof SYSTEMS];
    if (!system) throw new Error(`unknown system ${name}`);
    for (const query of values.queries.split(',')) {
      if (!isVaried(query) && !(query in QUERIES)) throw new Error(`unknown query ${query}`);
      const own = isVaried(query) ? undefined : system.queries?.[query as QueryName];
      if (own === null) {
        console.log(`${latency}ms ${name} ${query}: not served`);
        continue;
      }
      const skip = isVaried(query) ? variedSkip(query, system.dialect ?? 'ours') : null;
      if (skip) {
        console.log(`${latency}ms ${name} ${query}: ${skip}`);
        skipped.push({ latency, system: name, query, reason: skip });
        continue;
      }
      // A fresh process per query: memory is the query's own, and work left over from a slow query cannot weigh on
      // the next one.
      // Above the ports fetch refuses to call (4190, 6000, 6665-6669, …; the Fetch standard's "bad ports").
      const port = 20_000 + Math.floor(Math.random() * 9000);
      const { command, args, env } = system.command(port, urls.backside, urls.intercom);
      const subject = await start(
        command,
        values.profile && command === 'node' ? [...profileFlags(`${name}-${query}-${latency}ms`), ...args] : args,
        env,
        system.ready ?? /^ready/,
      );
      // Workers may still be starting when the first says it listens.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const pids = servingPids(subject.child.pid as number, subject.line, system.measure);
      const rssNow = () => Math.round(pids.reduce((sum, pid) => sum + memory(pid, 'VmRSS'), 0));
      const url = `http://127.0.0.1:${port}${system.path ?? '/graphql'}`;
      const identical = JSON.stringify({ query: own ?? QUERIES[query as QueryName]?.query });
      const pool: Pool = isVaried(query)
        ? await variedPool(query, system.dialect ?? 'ours', url)
        : { size: 1, next: () => identical };
      const probe = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: pool.next(),
      });
      const probeBody = (await probe.json()) as { errors?: unknown[]; data?: unknown };
      const check = probe.ok && !probeBody.errors ? 'ok' : `FAILED ${JSON.stringify(probeBody).slice(0, 120)}`;
      await load(url, pool, warmup);
      await control(`${urls.control}/reset`, 'POST');
      const rssStartMb = rssNow();
      const cpuNow = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
      const cpuStart = cpuNow();
      // Resident memory every 5 s of the measured run: growth under steady load shows as a rising series.
      const rssSeries: number[] = [];
      const sampler = setInterval(() => rssSeries.push(rssNow()), 5000);
      const result = await load(url, pool, duration);
      clearInterval(sampler);
      const rssEndMb = rssNow();
      const cpuUsed = cpuNow() - cpuStart;
      const counts = await control(`${urls.control}/calls`);
      const requests = result.requests.total;
      rows.push({
        latency,
        system: name,
        query,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.non2xx + result.timeouts + result.graphQLErrors,
        // The sum of each serving process's own peak: an upper bound on their peak together.
        rssMb: Math.round(pids.reduce((sum, pid) => sum + memory(pid, 'VmHWM'), 0)),
        rssStartMb,
        rssEndMb,
        rssSeries,
        callsPerRequest: requests ? (counts.backside + counts.intercom) / requests : 0,
        cpuMsPerRequest: requests ? cpuUsed / requests : 0,
        check,
      });
      const row = rows.at(-1) as Row;
      console.log(
        `${latency}ms ${name} ${query}: ${row.rps} req/s p50 ${row.p50} p99 ${row.p99} errors ${row.errors} rss ${row.rssMb} MB (${row.rssStartMb} -> ${row.rssEndMb}) calls/req ${row.callsPerRequest.toFixed(2)} cpu ms/req ${row.cpuMsPerRequest.toFixed(2)} ${check}`,
      );
      await stop(subject.child);
    }
  }
  await stop(upstreams.child);
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
const lines = [
  '# Benchmark results',
  '',
  `Machine: ${machine}. Command: \`${command}\` (${duration} s per query after ${warmup} s warm-up, ${connections} connections).`,
  'Upstreams: the loopback fakes (src/demo) in their own process with a fixed latency per answer.',
  'Ratios are to ours in the same run; absolute numbers drift between runs on shared machines.',
  '',
  '| latency | query | system | req/s | ratio to ours | p50 ms | p99 ms | errors | peak RSS MB | RSS start → end MB | upstream calls/req | CPU ms/req | check |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const row of rows) {
  const ours = rows.find((r) => r.latency === row.latency && r.query === row.query && r.system === 'ours');
  const ratio = ours?.rps ? (row.rps / ours.rps).toFixed(2) : '—';
  lines.push(
    `| ${row.latency} ms | ${row.query} | ${row.system} | ${row.rps} | ${ratio} | ${row.p50} | ${row.p99} | ${row.errors} | ${row.rssMb} | ${row.rssStartMb} → ${row.rssEndMb} | ${row.callsPerRequest.toFixed(2)} | ${row.cpuMsPerRequest.toFixed(2)} | ${row.check} |`,
  );
}
lines.push(
  '',
  '![requests/s and upstream calls per request](chart.svg)',
  '',
  'Queries:',
  '',
  ...Object.entries(QUERIES).map(([name, q]) => `- ${name}: ${q.title}`),
  ...Object.entries(VARIED).map(([name, q]) => `- ${name}: ${q.title}`),
  '',
  ...skipped.map((s) => `- ${s.latency} ms ${s.query} ${s.system}: ${s.reason}`),
  ...(skipped.length ? [''] : []),
);
mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/results.json', JSON.stringify({ machine, command, rows }, null, 2));
// Hand-written analysis below the marker survives a re-run; the table above it is regenerated.
const MARKER = '<!-- notes: kept across runs -->';
let notes = '';
try {
  const previous = readFileSync(values.out, 'utf8');
  if (previous.includes(MARKER)) notes = previous.slice(previous.indexOf(MARKER));
} catch {}
writeFileSync(values.out, `${lines.join('\n')}\n${notes}`);
drawChart(rows, values.out.replace(/[^/]*$/, 'chart.svg'));
console.log(`wrote ${values.out}`);

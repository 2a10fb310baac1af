// Stopping: the real entry point (src/index.ts) as an operator runs it, against a fake Intercom started here that
// stalls or answers late, then SIGTERM. Each test checks the bound (exit within the grace and a margin), the exit code,
// what the caller got and what the upstream saw.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'vitest';
import { descendants, waitFor } from './helpers/processes.js';

const GRACE_MS = 1500;
/** Exit after SIGTERM within the grace plus this: the cancelled answers, closing connections, process exit. */
const MARGIN_MS = 2000;
const QUERY = '{ contacts(first: 1, sources: [INTERCOM]) { nodes { id } } }';
const EMPTY_LIST = JSON.stringify({ type: 'list', data: [], total_count: 0, pages: {} });

/** Registers what to undo when the test ends. */
type OnFinished = (undo: () => void) => void;

/** What the fake upstream saw: when each call arrived and when its socket closed. */
interface UpstreamCall {
  arrived: number;
  closed?: number;
}

/** A fake Intercom on loopback: every call gets its headers at once, then the body after `answerAfterMs` or never. */
async function startUpstream(
  answerAfterMs: number | 'never',
  onFinished: OnFinished,
): Promise<{ url: string; calls: UpstreamCall[] }> {
  const calls: UpstreamCall[] = [];
  const server: Server = createServer((request, response) => {
    const call: UpstreamCall = { arrived: Date.now() };
    calls.push(call);
    request.socket.once('close', () => {
      call.closed = Date.now();
    });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.flushHeaders();
    if (answerAfterMs !== 'never') setTimeout(() => response.end(EMPTY_LIST), answerAfterMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onFinished(() => {
    server.close();
    server.closeAllConnections();
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, calls };
}

interface Gateway {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; at: number }>;
}

/** Runs src/index.ts with a real-looking environment pointing Intercom at `upstreamUrl`; resolves once it serves. */
async function startGateway(
  upstreamUrl: string,
  onFinished: OnFinished,
  extra: NodeJS.ProcessEnv = {},
): Promise<Gateway> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    INTERCOM_ACCESS_TOKEN: 'x',
    INTERCOM_BASE_URL: upstreamUrl,
    GATEWAY_AUTH: 'disabled',
    PORT: '0',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    // Only the shutdown may end an upstream call.
    UPSTREAM_TIMEOUT_MS: '60000',
    REQUEST_BUDGET_MS: '60000',
    UPSTREAM_RETRIES: '0',
    ...extra,
  };
  delete env.BACKSIDE_API_KEY;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onFinished(() => child.kill('SIGKILL'));
  let text = '';
  const append = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: Date.now() })),
  );
  const [, port] = await waitFor(() => text, /GraphiQL at http:\/\/localhost:(\d+)\/graphql/, 30_000);
  return { child, port: Number(port), output: () => text, exited };
}

/** Resolves once `check` holds (polled). */
async function until(check: () => boolean, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The query over HTTP; the answer's status and JSON, or the network error when there was no answer. */
async function ask(port: number): Promise<{ status: number; body: unknown } | { error: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY }),
    });
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { error: String((error as Error).cause ?? error) };
  }
}

/** Whether a new TCP connection to the port is accepted. */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('SIGTERM', () => {
  it('with a stalled upstream call: refuses new connections, cancels the call after the grace, answers, exits 0', async ({
    expect,
    onTestFinished,
  }) => {
    const upstream = await startUpstream('never', onTestFinished);
    const gateway = await startGateway(upstream.url, onTestFinished);
    const answer = ask(gateway.port);
    await until(() => upstream.calls.length === 1);

    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    await waitFor(gateway.output, /stopping/, 2000);
    expect(await connects(gateway.port)).toBe(false);

    const { code, at } = await gateway.exited;
    expect(code).toBe(0);
    expect(at - signalled).toBeGreaterThanOrEqual(GRACE_MS);
    expect(at - signalled).toBeLessThan(GRACE_MS + MARGIN_MS);
    // The caller got an answer: an error for the source whose call was cancelled, not a dropped connection.
    expect(await answer).toMatchObject({
      status: 200,
      body: { errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'INTERCOM' } }] },
    });
    // The upstream call was cancelled once the grace was spent, not left to the process's end or its timeout.
    const [call] = upstream.calls;
    expect(call?.closed).toBeDefined();
    expect((call?.closed as number) - signalled).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(gateway.output()).toMatch(/stopped after \d+ ms: 1 request\(s\) cut at the grace/);
    // The cut request's JSON log line, written as it was answered, still comes before the shutdown's summary.
    const requestLine = gateway.output().indexOf('"msg":"request"');
    expect(requestLine).toBeGreaterThan(-1);
    expect(requestLine).toBeLessThan(gateway.output().indexOf('stopped after'));
  }, 30_000);

  it('lets a request that finishes within the grace answer in full, then exits 0 at once', async ({
    expect,
    onTestFinished,
  }) => {
    const upstream = await startUpstream(300, onTestFinished);
    // A long grace, so that exiting long before it shows the stop did not wait for it.
    const graceMs = 5000;
    const gateway = await startGateway(upstream.url, onTestFinished, { SHUTDOWN_GRACE_MS: String(graceMs) });
    const answer = ask(gateway.port);
    await until(() => upstream.calls.length === 1);

    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    expect(await answer).toEqual({ status: 200, body: { data: { contacts: { nodes: [] } } } });
    const { code, at } = await gateway.exited;
    expect(code).toBe(0);
    expect(at - signalled).toBeLessThan(graceMs - 3000);
    expect(gateway.output()).toMatch(/stopped after \d+ ms: 0 request\(s\) cut/);
    // The request's JSON log line comes before the shutdown's summary, not after it.
    const requestLine = gateway.output().indexOf('"msg":"request"');
    expect(requestLine).toBeGreaterThan(-1);
    expect(requestLine).toBeLessThan(gateway.output().indexOf('stopped after'));
  }, 30_000);

  it('with WORKERS=2 and a stalled call: the primary forwards it, every process exits 0 within the bound', async ({
    expect,
    onTestFinished,
  }) => {
    const upstream = await startUpstream('never', onTestFinished);
    const gateway = await startGateway(upstream.url, onTestFinished, { WORKERS: '2' });
    const workers = descendants(gateway.child.pid as number)
      .filter((p) => p.ppid === gateway.child.pid)
      .map((p) => p.pid);
    expect(workers).toHaveLength(2);
    const answer = ask(gateway.port);
    await until(() => upstream.calls.length === 1);

    const signalled = Date.now();
    gateway.child.kill('SIGTERM');
    const { code, at } = await gateway.exited;
    expect(code).toBe(0);
    expect(at - signalled).toBeLessThan(GRACE_MS + MARGIN_MS);
    for (const pid of workers) expect(alive(pid)).toBe(false);
    expect(await answer).toMatchObject({
      status: 200,
      body: { errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'INTERCOM' } }] },
    });
    expect(upstream.calls[0]?.closed).toBeDefined();
    // Neither a replacement worker nor a second start line.
    expect(gateway.output()).not.toMatch(/starting another/);
  }, 30_000);
});

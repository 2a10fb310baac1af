// The real entry point (src/index.ts) in its own process, as an operator runs it: a clean environment (none of the
// gateway's variables leak in from the shell that runs the tests), a port of its own, its output kept, and a bounded
// stop (SIGTERM, then SIGKILL).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { VARIABLES } from '../../src/config.js';

/**
 * Spawns `command` (a server the tests need: redis-server, nginx) and resolves once `ready()` holds, polled every
 * 50 ms. @throws when it exits first or is not ready within `timeoutMs` (it is killed then), with its output.
 */
export async function spawnUntilReady(
  name: string,
  command: string,
  args: string[],
  ready: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const started = Date.now();
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${output}`);
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

/** Variables read by the gateway that config.ts's VARIABLES does not list (shared state, observability). */
const OTHER_VARIABLES = [
  'REDIS_URL',
  'GATEWAY_REPLICAS',
  'BACKSIDE_RATE_LIMIT_PER_MIN',
  'INTERCOM_RATE_LIMIT_PER_MIN',
  'METRICS_TOKEN',
  'LOG_LEVEL',
  'LOG_FORMAT',
];

export interface SpawnedGateway {
  child: ChildProcess;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> (no path). */
  origin: string;
  /** Everything it wrote, stdout and stderr interleaved. */
  output(): string;
  exited(): boolean;
  /** SIGTERM; SIGKILL if still alive after `ms`. Resolves once it has exited. */
  stop(ms?: number): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick; released before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether a TCP connection to 127.0.0.1:port is accepted now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Whether process `pid` itself holds a listening TCP socket on `port` (Linux /proc): a port picked free and handed
 * over can be taken by another process first, and then it is that one that accepts.
 */
export function listensOn(pid: number, port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  let readable = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the tenth field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  // Not Linux: no way to tell, trust that the port was still free.
  if (!readable) return true;
  if (inodes.size === 0) return false;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Resolves once `child` has exited; SIGKILL after `ms` if SIGTERM was not enough. */
export async function stopProcess(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts src/index.ts with `env` over a clean environment (PORT: a free port unless given; WORKERS=1) and resolves once
 * its port accepts connections; rejects with its output when it exits first or is not listening within `timeoutMs`.
 */
export async function spawnGateway(
  options: { env?: NodeJS.ProcessEnv; nodeOptions?: string[]; timeoutMs?: number } = {},
): Promise<SpawnedGateway> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [...Object.keys(VARIABLES), ...OTHER_VARIABLES]) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_')) delete env[name];
  Object.assign(env, { WORKERS: '1' }, options.env);
  const port = env.PORT && env.PORT !== '0' ? Number(env.PORT) : await freePort();
  env.PORT = String(port);
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), '--import', 'tsx', 'src/index.ts'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const append = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const gateway: SpawnedGateway = {
    child,
    pid: child.pid as number,
    port,
    origin: `http://127.0.0.1:${port}`,
    output: () => text,
    exited,
    stop: (ms) => stopProcess(child, ms),
  };
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 20_000;
  for (;;) {
    if (exited()) throw new Error(`the gateway on port ${port} exited before listening:\n${text}`);
    if (listensOn(gateway.pid, port) && (await accepts(port))) return gateway;
    if (Date.now() - started > timeoutMs) {
      await gateway.stop(1000);
      throw new Error(`the gateway on port ${port} was not listening after ${timeoutMs} ms:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// A real redis-server for tests (Debian's `redis-server`, installed by .ci/run): on a loopback port, no persistence,
// stopped by the test. Skipped locally, with a message, where it is not installed.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort, spawnUntilReady } from './spawn-gateway.js';

/** Whether `redis-server` can be run here. */
export const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export interface TestRedis {
  child: ChildProcess;
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
}

/** Whether a Redis on 127.0.0.1:port answers PING now. */
export async function redisAnswers(port: number): Promise<boolean> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Starts redis-server on 127.0.0.1:`port` (a free port when absent; give the same port to restart one), with no
 * persistence; resolves once it answers PING. @throws when it exits or does not answer within 10 s (its output then).
 */
export async function startRedis(port?: number): Promise<TestRedis> {
  const chosen = port ?? (await freePort());
  const child = await spawnUntilReady(
    'redis-server',
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    () => redisAnswers(chosen),
  );
  return { child, port: chosen, url: `redis://127.0.0.1:${chosen}` };
}

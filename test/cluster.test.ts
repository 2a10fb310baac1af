// WORKERS=2: the real entry point (src/index.ts) as an operator starts it, in demo mode, on a random port.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, waitFor } from './helpers/processes.js';

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

describe('WORKERS', () => {
  it('serves from two worker processes behind one port, and all of them stop on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, WORKERS: '2', PORT: '0' };
    for (const name of ['BACKSIDE_API_KEY', 'INTERCOM_ACCESS_TOKEN']) delete env[name];
    child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [, port] = await waitFor(() => output, /GraphiQL at http:\/\/localhost:(\d+)\/graphql \(2 workers\)/, 30_000);

    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ contacts(first: 2, sources: [INTERCOM]) { nodes { displayName } } }' }),
        });
        return response.json();
      }),
    );
    // Every worker serves the same demo data: the primary's upstreams, not one set per worker.
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toMatchObject({ data: { contacts: { nodes: [{ displayName: expect.any(String) }, {}] } } });
    const workers = descendants(child.pid as number).filter((p) => p.command.includes('src/index.ts'));
    expect(workers).toHaveLength(2);

    child.kill('SIGTERM');
    const exited = await new Promise<number | null>((resolve) => child?.once('exit', resolve));
    expect(exited).toBe(0);
    for (const worker of workers) expect(() => process.kill(worker.pid, 0)).toThrow();
    expect(output).toMatch(/DEMO MODE/);
  }, 60_000);
});

// Tailcall 1.0 (the binary from @tailcallhq/core-linux-x64-gnu, installed by bench/peers/package.json) over the
// fakes. Usage: tsx bench/peers/tailcall.ts <port> <backsideUrl> <intercomUrl> [--dedupe]
// Fills in tailcall.graphql (port, upstream URLs, `dedupe` on every @http or not) in a temporary file, starts the
// binary and prints `ready <its pid>` once it answers a query; nothing else goes to stdout. SIGTERM stops it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [port, backside, intercom, flag] = process.argv.slice(2) as [string, string, string, string?];
const here = fileURLToPath(new URL('.', import.meta.url));
const config = readFileSync(join(here, 'tailcall.graphql'), 'utf8')
  .replaceAll('__PORT__', port)
  .replaceAll('__BACKSIDE__', backside)
  .replaceAll('__INTERCOM__', intercom)
  .replaceAll('__DEDUPE__', flag === '--dedupe' ? 'true' : 'false');
const dir = mkdtempSync(join(tmpdir(), 'tailcall-'));
const file = join(dir, 'config.graphql');
writeFileSync(file, config);

// TAILCALL_TRACKER=false: no usage telemetry (these machines reach nothing but the npm registry). Tailcall logs to
// stdout, which must carry only the ready line: its log (errors only) goes to our stderr.
const child = spawn(join(here, 'node_modules/@tailcallhq/core-linux-x64-gnu/bin/tailcall'), ['start', file], {
  env: { ...process.env, TAILCALL_TRACKER: 'false', TAILCALL_LOG_LEVEL: 'error' },
  stdio: ['ignore', 2, 'inherit'],
});
let stopping = false;
const stop = () => {
  stopping = true;
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stop();
    process.exit(0);
  });
}
process.on('exit', stop);
child.on('exit', (code, signal) => {
  if (!stopping) console.error(`tailcall exited (${signal ?? code})`);
  process.exit(code ?? 1);
});

const deadline = Date.now() + 30_000;
for (;;) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if (response.ok) break;
  } catch {}
  if (Date.now() > deadline) {
    console.error('tailcall did not answer within 30 s');
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log(`ready ${child.pid}`);

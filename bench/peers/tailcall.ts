// Tailcall 1.0 (the binary from @tailcallhq/core-linux-x64-gnu, installed by bench/peers/package.json) over the
// fakes. Usage: tsx bench/peers/tailcall.ts <port> <backsideUrl> <intercomUrl> [--dedupe]
// Writes the config from tailcall.graphql, starts the binary, prints `ready <pid>` once it answers a query.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [port, backside, intercom, flag] = process.argv.slice(2) as [string, string, string, string?];
const here = fileURLToPath(new URL('.', import.meta.url));
const config = readFileSync(`${here}tailcall.graphql`, 'utf8')
  .replaceAll('__PORT__', port)
  .replaceAll('__BACKSIDE__', backside)
  .replaceAll('__INTERCOM__', intercom)
  .replaceAll('__DEDUPE__', flag === '--dedupe' ? 'true' : 'false');
const dir = `${here}../out`;
mkdirSync(dir, { recursive: true });
const file = `${dir}/tailcall-${port}.graphql`;
writeFileSync(file, config);

const binary = `${here}node_modules/@tailcallhq/core-linux-x64-gnu/bin/tailcall`;
// No telemetry: these machines reach nothing but the npm registry.
const child = spawn(binary, ['start', file], {
  env: { ...process.env, TAILCALL_TRACKER: 'false', TAILCALL_LOG_LEVEL: 'error' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => child.kill('SIGTERM');
process.on('SIGTERM', () => {
  stop();
  process.exit(0);
});
process.on('exit', stop);
child.on('exit', (code) => process.exit(code ?? 1));

for (let attempt = 0; attempt < 200; attempt++) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if (response.ok) {
      console.log(`ready ${child.pid}`);
      break;
    }
  } catch {}
  await new Promise((resolve) => setTimeout(resolve, 100));
}

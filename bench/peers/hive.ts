// Hive Gateway (GraphQL Mesh v1) over Intercom's own OpenAPI description, set up the way its docs describe: Mesh
// Compose with @omnigraph/openapi (bench/peers/hive-mesh.config.ts) writes a supergraph as a build step, and the
// gateway runtime serves it on node:http in one process, as the `hive-gateway supergraph` CLI does by default (run
// programmatically here so that stdout carries only the ready line). The schema is the one generated from the spec,
// so the benchmark asks its queries in that schema's words (bench/systems.ts); Backside has no OpenAPI description.
// Usage: tsx bench/peers/hive.ts <port> <backsideUrl> <intercomUrl>

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';

const [port, , intercomUrl] = process.argv.slice(2) as [string, string, string];

// The endpoint is written into the supergraph, and composing the 1.3 MB spec takes seconds: compose once per upstream
// URL, spec and config, into bench/out/, in its own process (a build step: its memory is not the gateway's). Each
// run's fakes listen on new ports, so the previous runs' supergraphs are removed then.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const config = here('./hive-mesh.config.ts');
const key = createHash('sha256')
  .update(intercomUrl)
  .update(readFileSync(here('../../../shared/upstreams/intercom-openapi.yaml')))
  .update(readFileSync(config))
  .digest('hex')
  .slice(0, 16);
const supergraph = here(`../out/hive-supergraph-${key}.graphql`);
if (!existsSync(supergraph)) {
  mkdirSync(here('../out/'), { recursive: true });
  const partial = supergraph.replace(/\.graphql$/, `.${process.pid}.graphql`);
  // Its log lines go to stderr: stdout is for the ready line.
  execFileSync('npx', ['mesh-compose', '-c', config, '-o', partial], {
    cwd: here('.'),
    env: { ...process.env, INTERCOM_URL: intercomUrl },
    stdio: ['ignore', 2, 2],
  });
  renameSync(partial, supergraph);
  for (const file of readdirSync(here('../out/'))) {
    if (/^hive-supergraph-[0-9a-f]{16}\.graphql$/.test(file) && !supergraph.endsWith(file))
      rmSync(here(`../out/${file}`));
  }
}

// Log level warn: the gateway's info lines would go to stdout.
const gateway = createGatewayRuntime({ supergraph, logging: 'warn' });
await gateway.getSchema();

const server = createServer(gateway);
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${process.pid} http://127.0.0.1:${port}/graphql`);
});
process.on('SIGTERM', async () => {
  server.close();
  await gateway.dispose();
  process.exit(0);
});

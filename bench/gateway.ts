// Our gateway as a benchmark subject: tsx bench/gateway.ts <port> <backsideUrl> <intercomUrl>
// BENCH_WORKERS=n runs n processes behind one port (node:cluster); BENCH_JIT=off, BENCH_OPERATION_DEDUPE=off,
// BENCH_UPSTREAM_DEDUPE=off, BENCH_RESPONSE_CACHE_MS=ms.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN } from '../src/demo/index.js';
import { createGateway } from '../src/yoga.js';

const [port, backside, intercom] = process.argv.slice(2) as [string, string, string];
const workers = Number(process.env.BENCH_WORKERS ?? 1);

// The ready line names the serving processes, so that the harness measures their memory (not npx's or tsx's).
if (workers > 1 && cluster.isPrimary) {
  const pids = [process.pid];
  for (let i = 0; i < workers; i++) {
    const worker = cluster.fork();
    worker.on('message', () => {
      pids.push(worker.process.pid as number);
      if (pids.length === workers + 1) console.log(`ready ${pids.join(',')}`);
    });
  }
} else {
  const gateway = createGateway({
    backside: { baseUrl: backside, apiKey: DEMO_BACKSIDE_API_KEY },
    intercom: { baseUrl: intercom, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' },
    upstream: { concurrency: 64, dedupe: process.env.BENCH_UPSTREAM_DEDUPE !== 'off' },
    dedupeOperations: process.env.BENCH_OPERATION_DEDUPE !== 'off',
    limits: { cost: 100_000 },
    graphiql: false,
    jit: process.env.BENCH_JIT !== 'off',
    responseCacheTtlMs: Number(process.env.BENCH_RESPONSE_CACHE_MS ?? 0),
    logging: Boolean(process.env.BENCH_LOG),
  });
  createServer(gateway).listen(Number(port), '127.0.0.1', () => {
    if (cluster.isWorker) process.send?.('ready');
    else console.log(`ready ${process.pid}`);
  });
}

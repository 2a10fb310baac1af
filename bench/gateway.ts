// Our gateway as a benchmark subject: tsx bench/gateway.ts <port> <backsideUrl> <intercomUrl>
import { createServer } from 'node:http';
import { DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN } from '../src/demo/index.js';
import { createGateway } from '../src/yoga.js';

const [port, backside, intercom] = process.argv.slice(2) as [string, string, string];
const gateway = createGateway({
  backside: { baseUrl: backside, apiKey: DEMO_BACKSIDE_API_KEY },
  intercom: { baseUrl: intercom, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' },
  upstream: { concurrency: 64 },
  limits: { cost: 100_000 },
  graphiql: false,
  jit: process.env.BENCH_JIT !== 'off',
  responseCacheTtlMs: Number(process.env.BENCH_RESPONSE_CACHE_MS ?? 0),
  logging: Boolean(process.env.BENCH_LOG),
});
createServer(gateway).listen(Number(port), '127.0.0.1', () => console.log('ready'));

// The edge: reads the environment, starts the demo upstreams when no credentials are set, and opens the port; with
// WORKERS > 1 this process is the primary and forks that many serving processes (node:cluster) behind the one port.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, ConfigError, loadConfig } from './config.js';
import { DEFAULT_QUERY } from './default-query.js';
import { DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN, type DemoUpstreams, startDemoUpstreams } from './demo/index.js';
import type { GatewayOptions } from './yoga.js';

/** How the primary hands its demo upstreams' addresses to the workers, so that all serve the same seeded data. */
const DEMO_URLS_VARIABLE = 'GATEWAY_WORKER_DEMO_URLS';

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

function gatewayOptions(config: Config, demoUrls: { backside: string; intercom: string } | undefined): GatewayOptions {
  const options: GatewayOptions = {
    upstream: config.upstream,
    requestBudgetMs: config.requestBudgetMs,
    limits: config.limits,
    maxBodyBytes: config.maxBodyBytes,
    maxBatch: config.maxBatch,
    responseCacheTtlMs: config.responseCacheTtlMs,
    dedupeOperations: config.dedupeOperations,
    auth: config.auth,
    backsideKeyHeader: config.backside.callerKeyHeader,
    backsideBaseUrl: config.backside.baseUrl,
    backsideTenantId: config.backside.tenantId,
    defaultRegion: config.defaultRegion,
    graphiql: { defaultQuery: DEFAULT_QUERY },
  };
  if (demoUrls) {
    options.backside = { baseUrl: demoUrls.backside, apiKey: DEMO_BACKSIDE_API_KEY };
    options.intercom = {
      baseUrl: demoUrls.intercom,
      accessToken: DEMO_INTERCOM_TOKEN,
      version: config.intercom.version,
    };
    return options;
  }
  if (config.backside.apiKey) options.backside = { baseUrl: config.backside.baseUrl, apiKey: config.backside.apiKey };
  if (config.intercom.accessToken) {
    options.intercom = {
      baseUrl: config.intercom.baseUrl,
      accessToken: config.intercom.accessToken,
      version: config.intercom.version,
    };
  }
  return options;
}

/** What the operator should know at start: demo or real upstreams, and who may call. */
function announce(config: Config): void {
  if (config.demo) {
    console.log(
      'DEMO MODE: no upstream credentials set; serving built-in demo upstreams on loopback with seeded data.',
    );
    console.log('           Set BACKSIDE_API_KEY and/or INTERCOM_ACCESS_TOKEN to talk to the real APIs.');
  } else {
    const configured = [config.backside.apiKey && 'Backside', config.intercom.accessToken && 'Intercom'];
    console.log(`Upstreams: ${configured.filter(Boolean).join(' and ')}.`);
  }
  if (config.auth) {
    const ways = [
      config.auth.apiKeys.length > 0 && 'API keys (X-Api-Key)',
      config.auth.jwt && `JWT (${config.auth.jwt.algorithm})`,
    ];
    console.log(`Authentication: required, by ${ways.filter(Boolean).join(' or ')}.`);
  } else {
    console.log(
      config.demo
        ? 'Authentication: off (demo mode).'
        : 'Authentication: DISABLED by GATEWAY_AUTH=disabled: anyone who can reach this port can read your contacts.',
    );
  }
}

/** Serves in this process; a worker reports its address to the primary instead of printing it. */
async function serve(config: Config, demoUrls: { backside: string; intercom: string } | undefined) {
  // Loaded here, not at the top: a cluster primary never serves, and the schema and plugins cost ~100 MB.
  const { createGateway } = await import('./yoga.js');
  const gateway = createGateway(gatewayOptions(config, demoUrls));
  const server = createServer(gateway);
  server.listen(config.port, () => {
    const url = `http://localhost:${(server.address() as AddressInfo).port}${gateway.graphqlEndpoint}`;
    if (cluster.isWorker) process.send?.({ listening: url });
    else console.log(`GraphiQL at ${url}`);
  });
  return () => {
    server.close();
    server.closeAllConnections();
  };
}

async function main(): Promise<void> {
  const config = readConfig();
  if (cluster.isWorker) {
    const demoUrls = process.env[DEMO_URLS_VARIABLE];
    const stop = await serve(config, demoUrls ? JSON.parse(demoUrls) : undefined);
    // The primary decides when a worker stops: it sends SIGTERM, and a terminal's Ctrl-C reaches the primary too.
    process.on('SIGINT', () => {});
    process.once('SIGTERM', () => {
      stop();
      cluster.worker?.disconnect();
      // Keep-alive sockets to the upstreams must not hold a stopping worker open.
      setTimeout(() => process.exit(0), 5000).unref();
    });
    return;
  }

  announce(config);
  let demo: DemoUpstreams | undefined;
  if (config.demo) demo = await startDemoUpstreams();
  const demoUrls = demo && { backside: demo.backside.url, intercom: demo.intercom.url };

  if (config.workers === 1) {
    const stop = await serve(config, demoUrls);
    const shutdown = () => {
      stop();
      void demo?.close();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    return;
  }

  let stopping = false;
  let announced = false;
  const fork = () => {
    const worker = cluster.fork(demoUrls ? { [DEMO_URLS_VARIABLE]: JSON.stringify(demoUrls) } : {});
    // Every worker listens on the one port: say so once.
    worker.on('message', (message: { listening?: string }) => {
      if (message.listening === undefined || announced) return;
      announced = true;
      console.log(`GraphiQL at ${message.listening} (${config.workers} workers)`);
    });
  };
  // A worker that dies is replaced; the port stays open meanwhile (the others keep serving).
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    fork();
  });
  for (let i = 0; i < config.workers; i++) fork();
  const shutdown = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    void demo?.close();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

await main();

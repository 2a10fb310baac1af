// The edge: reads the environment, starts the demo upstreams when no credentials are set, and opens the port.
import { createServer } from 'node:http';
import { type Config, ConfigError, loadConfig } from './config.js';
import { DEFAULT_QUERY } from './default-query.js';
import { DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN, type DemoUpstreams, startDemoUpstreams } from './demo/index.js';
import { createGateway, type GatewayOptions } from './yoga.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  let demo: DemoUpstreams | undefined;
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
  if (config.demo) {
    demo = await startDemoUpstreams();
    options.backside = { baseUrl: demo.backside.url, apiKey: DEMO_BACKSIDE_API_KEY };
    options.intercom = {
      baseUrl: demo.intercom.url,
      accessToken: DEMO_INTERCOM_TOKEN,
      version: config.intercom.version,
    };
    console.log(
      'DEMO MODE: no upstream credentials set; serving built-in demo upstreams on loopback with seeded data.',
    );
    console.log('           Set BACKSIDE_API_KEY and/or INTERCOM_ACCESS_TOKEN to talk to the real APIs.');
  } else {
    if (config.backside.apiKey) options.backside = { baseUrl: config.backside.baseUrl, apiKey: config.backside.apiKey };
    if (config.intercom.accessToken) {
      options.intercom = {
        baseUrl: config.intercom.baseUrl,
        accessToken: config.intercom.accessToken,
        version: config.intercom.version,
      };
    }
    const configured = [options.backside && 'Backside', options.intercom && 'Intercom'].filter(Boolean).join(' and ');
    console.log(`Upstreams: ${configured}.`);
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
  const gateway = createGateway(options);
  const server = createServer(gateway);
  server.listen(config.port, () => {
    console.log(`GraphiQL at http://localhost:${config.port}${gateway.graphqlEndpoint}`);
  });

  const stop = () => {
    server.close();
    server.closeAllConnections();
    void demo?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();

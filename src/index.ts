// The edge: reads the environment, starts the demo upstreams when no credentials are set, and opens the port; with
// WORKERS > 1 this process is the primary and forks that many serving processes (node:cluster) behind the one port.
import cluster from 'node:cluster';
import { setMaxListeners } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, ConfigError, loadConfig } from './config.js';
import { DEFAULT_QUERY } from './default-query.js';
import { DEMO_WEBHOOKS, INTERCOM_WEBHOOKS, WORKER_RESTARTS } from './defaults.js';
import {
  DEMO_BACKSIDE_API_KEY,
  DEMO_INTERCOM_ADMIN_ID,
  DEMO_INTERCOM_CLIENT_SECRET,
  DEMO_INTERCOM_TOKEN,
  type DemoUpstreams,
  startDemoUpstreams,
} from './demo/index.js';
import { flushLogs, structuredLogger } from './telemetry/log.js';
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

function gatewayOptions(
  config: Config,
  demoUrls: { backside: string; intercom: string } | undefined,
  stopSignal: AbortSignal,
): GatewayOptions {
  const options: GatewayOptions = {
    stopSignal,
    upstream: config.upstream,
    requestBudgetMs: config.requestBudgetMs,
    limits: config.limits,
    maxBodyBytes: config.maxBodyBytes,
    maxBatch: config.maxBatch,
    responseCacheTtlMs: config.responseCacheTtlMs,
    dedupeOperations: config.dedupeOperations,
    persistedOperations: config.persistedOperations,
    allowArbitraryOperations: config.allowArbitraryOperations,
    auth: config.auth,
    cors: config.cors,
    backsideKeyHeader: config.backside.callerKeyHeader,
    backsideBaseUrl: config.backside.baseUrl,
    backsideTenantId: config.backside.tenantId,
    defaultRegion: config.defaultRegion,
    graphiql: { defaultQuery: DEFAULT_QUERY },
    redisUrl: config.redisUrl,
    replicas: config.replicas,
    rateLimitPerMinute: config.rateLimitPerMinute,
    metricsToken: config.metricsToken,
    // JSON lines (or readable ones in the demo), one per GraphQL request with its id, outcome and duration.
    logging: structuredLogger(config.log),
    requestLog: true,
  };
  if (demoUrls) {
    options.backside = { baseUrl: demoUrls.backside, apiKey: DEMO_BACKSIDE_API_KEY };
    options.intercom = {
      baseUrl: demoUrls.intercom,
      accessToken: DEMO_INTERCOM_TOKEN,
      version: config.intercom.version,
      // The demo writes notes as its seeded admin, so addNote works with no set-up.
      adminId: config.intercom.adminId ?? DEMO_INTERCOM_ADMIN_ID,
    };
    // The demo's Intercom fake signs its webhooks with the demo app's secret (goLive).
    options.intercomWebhooks = { clientSecret: DEMO_INTERCOM_CLIENT_SECRET };
    return options;
  }
  if (config.backside.apiKey) options.backside = { baseUrl: config.backside.baseUrl, apiKey: config.backside.apiKey };
  if (config.intercom.accessToken) {
    options.intercom = {
      baseUrl: config.intercom.baseUrl,
      accessToken: config.intercom.accessToken,
      version: config.intercom.version,
      adminId: config.intercom.adminId,
    };
  }
  if (config.intercom.clientSecret) options.intercomWebhooks = { clientSecret: config.intercom.clientSecret };
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
  const origins = [...(config.cors.localhost ? ['pages on this machine (localhost)'] : []), ...config.cors.origins];
  if (origins.length > 0) console.log(`Cross-origin pages allowed (CORS): ${origins.join(', ')}.`);
}

/** A serving process that could not start: the one line its operator reads (no stack: the cause is known). */
function cannotStart(error: unknown, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? `port ${port} is already in use (EADDRINUSE); stop what holds it or set PORT`
      : code === 'EACCES'
        ? `no permission to listen on port ${port} (EACCES); use a port above 1023 or set PORT`
        : `cannot listen on port ${port} (${code ?? (error instanceof Error ? error.message : String(error))})`;
  return `Cannot start: ${why}.`;
}

/** How a worker tells the primary that it could not start: the primary prints it once for all. */
interface WorkerMessage {
  listening?: string;
  startFailed?: string;
}

/** After the grace, once upstream calls are cancelled: how long their (error) answers get to be written, ms. */
const ANSWER_AFTER_CANCEL_MS = 1_000;

/** A WORKERS primary's own bound beyond the grace: workers still alive then are killed, ms. */
const PRIMARY_MARGIN_MS = 3_000;

/** How this process names itself in its stop lines: workers share one terminal. */
const who = () => (cluster.isWorker ? `worker ${process.pid}: ` : '');

/**
 * The responses this process is writing, so that a stop can wait for them, make their connections close after them
 * and say how many it had to cut.
 */
class InFlight {
  private readonly open = new Set<ServerResponse>();
  private emptied: (() => void)[] = [];
  /** Set when stopping: from then on every response asks its client to close the connection. */
  private closing = false;

  get size(): number {
    return this.open.size;
  }

  /** Counts a response until it 'close's: written in full, or its connection gone. */
  track(response: ServerResponse): void {
    this.open.add(response);
    if (this.closing) closeAfter(response);
    response.once('close', () => {
      this.open.delete(response);
      if (this.open.size === 0) for (const resolve of this.emptied.splice(0)) resolve();
    });
  }

  /** Keep-alive must not hold a stopping process: responses still to be written end their connection. */
  closeConnections(): void {
    this.closing = true;
    for (const response of this.open) closeAfter(response);
  }

  /** Resolves when no response is left, or after `ms`, whichever is first. */
  settled(ms: number): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.emptied.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** `Connection: close` makes node end the socket once this response is written (headers not yet sent only). */
function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}

/**
 * The bounded stop of one serving process: no new connections; requests in flight get the grace to finish; what is
 * left then has its upstream calls cancelled (`stop`), so it answers with an error for that source rather than being
 * dropped; whatever still has not answered shortly after is cut with its connection.
 */
async function drain(server: Server, requests: InFlight, stop: AbortController, graceMs: number): Promise<void> {
  const started = Date.now();
  // The listening socket first: once the line below is out, no connection can still be accepted.
  server.close();
  console.log(`${who()}stopping: no new connections, ${requests.size} request(s) in flight get up to ${graceMs} ms`);
  requests.closeConnections();
  // Connections between requests hold nothing worth waiting for.
  server.closeIdleConnections();
  await requests.settled(graceMs);
  const cut = requests.size;
  if (cut > 0) {
    // Each cancelled upstream call answers UPSTREAM_UNAVAILABLE for its source, so the request still answers.
    stop.abort();
    await requests.settled(ANSWER_AFTER_CANCEL_MS);
  }
  const dropped = requests.size;
  server.closeAllConnections();
  const unanswered = dropped > 0 ? ` (${dropped} closed unanswered)` : '';
  // The requests' log lines (written in the background) go out before this one.
  flushLogs();
  console.log(`${who()}stopped after ${Date.now() - started} ms: ${cut} request(s) cut at the grace${unanswered}`);
}

/**
 * The demo is live: once the gateway listens at `graphqlUrl`, the Intercom fake sends it signed webhooks for every
 * change, and edits a contact now and then by itself, so a subscription in GraphiQL receives changes with no set-up.
 */
function goLive(demo: DemoUpstreams, graphqlUrl: string): void {
  const webhookUrl = new URL(INTERCOM_WEBHOOKS.path, graphqlUrl);
  webhookUrl.hostname = '127.0.0.1';
  demo.intercom.control.webhookTarget(webhookUrl.href, DEMO_INTERCOM_CLIENT_SECRET);
  demo.intercom.control.liveEdits(DEMO_WEBHOOKS.liveEditEveryMs);
}

/**
 * Serves in this process; a worker reports its address to the primary instead of printing it. Returns the bounded
 * stop of what it serves.
 */
async function serve(
  config: Config,
  demoUrls: { backside: string; intercom: string } | undefined,
  onListening?: (url: string) => void,
): Promise<() => Promise<void>> {
  // Loaded here, not at the top: a cluster primary never serves, and the schema and plugins cost ~100 MB.
  const { createGateway } = await import('./yoga.js');
  const { attachWebSockets } = await import('./ws.js');
  // Aborted once the grace is spent: cancels every upstream call still in flight in this process.
  const stop = new AbortController();
  // Every request in flight listens on it until it ends: as many listeners as requests, not a leak.
  setMaxListeners(0, stop.signal);
  // Aborted at the first SIGTERM, before draining: /readiness answers 503 from then on.
  const stopping = new AbortController();
  // Tracing only with an OTLP endpoint: otherwise the SDK is never loaded.
  const tracing = config.otel.endpoint
    ? (await import('./telemetry/tracing.js')).startTracing({
        endpoint: config.otel.endpoint,
        serviceName: config.otel.serviceName,
      })
    : undefined;
  const gateway = createGateway({
    ...gatewayOptions(config, demoUrls, stop.signal),
    stopping: stopping.signal,
    tracer: tracing?.tracer,
  });
  const requests = new InFlight();
  const server = createServer((request, response) => {
    requests.track(response);
    gateway(request, response);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Known causes (the port taken, no permission) are one line, not a stack; a worker leaves it to the primary.
    const line = cannotStart(error, config.port);
    if (cluster.isWorker) process.send?.({ startFailed: line } satisfies WorkerMessage, () => process.exit(1));
    else {
      console.error(line);
      process.exit(1);
    }
    return new Promise<never>(() => {});
  }
  const url = `http://localhost:${(server.address() as AddressInfo).port}${gateway.graphqlEndpoint}`;
  if (cluster.isWorker) process.send?.({ listening: url } satisfies WorkerMessage);
  else console.log(`GraphiQL at ${url}`);
  onListening?.(url);
  // graphql-ws on the same port and path; at a stop, subscriptions (WebSocket and SSE) end first: they never finish.
  const sockets = attachWebSockets(server, gateway, {
    backsideKeyHeader: config.backside.callerKeyHeader,
    maxPayloadBytes: config.maxBodyBytes,
  });
  return async () => {
    stopping.abort();
    await Promise.all([sockets.close(), gateway.changes.close()]);
    await drain(server, requests, stop, config.shutdownGraceMs);
    // The last spans go out before the process exits.
    await tracing?.shutdown();
  };
}

/**
 * On the first of `signals`, runs `stop` and exits 0. A second signal means the operator will not wait: exit at once.
 * Installed before anything is served, so that a signal during start-up exits rather than being lost.
 */
function onStopSignals(signals: NodeJS.Signals[], stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${who()}${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${who()}stop failed:`, error);
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, handle);
}

/** A worker serves until the primary sends SIGTERM, then drains and exits. */
async function runWorker(config: Config): Promise<void> {
  let stopServing: (() => Promise<void>) | undefined;
  // A terminal's Ctrl-C reaches the primary too, and the primary decides when a worker stops: by SIGTERM.
  process.on('SIGINT', () => {});
  onStopSignals(['SIGTERM'], async () => stopServing?.());
  const demoUrls = process.env[DEMO_URLS_VARIABLE];
  stopServing = await serve(config, demoUrls ? JSON.parse(demoUrls) : undefined);
}

/**
 * The WORKERS primary: forks the serving processes and replaces one that dies, until it is told to stop; then it
 * forwards SIGTERM to every worker and exits when all have exited (0 if all stopped cleanly), killing any still alive
 * after the grace and a margin.
 *
 * It gives up (stops every worker, one line on stderr, exit 1) rather than fork in a loop: when a worker could not
 * listen (the port taken: a replacement would fail the same way), when a worker dies before any has ever served (the
 * environment or the code is broken), and when more than WORKER_RESTARTS.limit workers died within its window;
 * replacements wait longer as deaths pile up.
 */
function runPrimary(config: Config, demo: DemoUpstreams | undefined): void {
  const demoUrls = demo && { backside: demo.backside.url, intercom: demo.intercom.url };
  let stopping = false;
  let announced = false;
  /** When workers died (once one had served), within the restart window. */
  let deaths: number[] = [];
  const fork = () => {
    const worker = cluster.fork(demoUrls ? { [DEMO_URLS_VARIABLE]: JSON.stringify(demoUrls) } : {});
    worker.on('message', (message: WorkerMessage) => {
      // It could not listen: its replacement could not either.
      if (message.startFailed !== undefined) giveUp(message.startFailed);
      // Every worker listens on the one port: say so once.
      if (message.listening === undefined || announced) return;
      announced = true;
      if (demo) goLive(demo, message.listening);
      console.log(`GraphiQL at ${message.listening} (${config.workers} workers)`);
    });
  };
  let stopped: Promise<boolean> | undefined;
  const stopAll = (quiet: boolean) => {
    stopping = true;
    stopped ??= stopWorkers(config.shutdownGraceMs + PRIMARY_MARGIN_MS, quiet).then(async (clean) => {
      await demo?.close();
      return clean;
    });
    return stopped;
  };
  const giveUp = (line: string) => {
    if (stopping) return;
    console.error(line);
    void stopAll(true).then(() => process.exit(1));
  };
  // A worker that dies after serving is replaced; the port stays open meanwhile (the others keep serving).
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const how = signal ?? code;
    if (!announced) {
      // None has served yet: the code or the environment is broken. (A moment's wait lets a worker's own account of
      // why, sent just before it exited, arrive first and be the line printed.)
      setTimeout(() => giveUp(`Cannot start: a worker exited (${how}) before serving.`), 200);
      return;
    }
    const now = Date.now();
    deaths = [...deaths.filter((at) => now - at < WORKER_RESTARTS.windowMs), now];
    if (deaths.length > WORKER_RESTARTS.limit) {
      giveUp(
        `Stopping: ${deaths.length} workers died within ${WORKER_RESTARTS.windowMs / 1000} s (the last: ${how}); not starting more.`,
      );
      return;
    }
    const delay = Math.min(WORKER_RESTARTS.maxDelayMs, WORKER_RESTARTS.firstDelayMs * 2 ** (deaths.length - 1));
    console.error(`worker ${worker.process.pid} exited (${how}); starting another in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });
  for (let i = 0; i < config.workers; i++) fork();
  onStopSignals(['SIGINT', 'SIGTERM'], async () => {
    const clean = await stopAll(false);
    if (!clean) process.exit(1);
  });
}

/**
 * Sends SIGTERM to every worker (straight to the process: cluster's worker.kill() would first wait for the worker's
 * servers to close, which requests in flight can hold up) and resolves when all have exited, true if all exited
 * cleanly; workers still alive after `boundMs` are killed.
 */
function stopWorkers(boundMs: number, quiet = false): Promise<boolean> {
  const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
  if (!quiet) console.log(`stopping ${workers.length} workers`);
  let clean = true;
  return new Promise((resolve) => {
    let left = workers.length;
    const timer = setTimeout(() => {
      left = Number.POSITIVE_INFINITY; // the exits that follow the kill are not news
      console.error(`workers still running after ${boundMs} ms: killed`);
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
      resolve(false);
    }, boundMs);
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      // A worker the SIGTERM reached before it could listen for it was serving nothing: that is clean too.
      if (code !== 0 && signal !== 'SIGTERM') clean = false;
      if (--left > 0) return;
      clearTimeout(timer);
      if (!quiet) console.log(`all workers stopped${clean ? '' : ' (not all cleanly)'}`);
      resolve(clean);
    };
    if (left === 0) exited(0, null);
    for (const worker of workers) {
      worker.once('exit', exited);
      worker.process.kill('SIGTERM');
    }
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  if (cluster.isWorker) return runWorker(config);

  announce(config);
  let demo: DemoUpstreams | undefined;
  let stopServing: (() => Promise<void>) | undefined;
  if (config.workers === 1) {
    onStopSignals(['SIGINT', 'SIGTERM'], async () => {
      await stopServing?.();
      await demo?.close();
    });
  }
  if (config.demo) demo = await startDemoUpstreams();
  if (config.workers > 1) return runPrimary(config, demo);
  const live = demo;
  stopServing = await serve(
    config,
    live && { backside: live.backside.url, intercom: live.intercom.url },
    live && ((url) => goLive(live, url)),
  );
}

await main();

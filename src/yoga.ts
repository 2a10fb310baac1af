import { createHash, randomUUID } from 'node:crypto';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { Tracer } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';
import {
  createGraphQLError,
  createYoga,
  maskError,
  type Plugin,
  type YogaLogger,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { GatewayContext } from './context.js';
import {
  BACKSIDE_BASE_URL,
  MAX_BODY_BYTES,
  RATE_BUDGET,
  REQUEST_BUDGET_MS,
  SUBSCRIPTIONS,
  UPSTREAM_DEFAULTS,
} from './defaults.js';
import { GatewayError } from './errors.js';
import { type ChangeBus, GATEWAY_CREDENTIAL } from './events/event.js';
import { EventReads } from './events/event-reads.js';
import { MemoryChangeBus } from './events/memory-bus.js';
import { RedisChangeBus } from './events/redis-bus.js';
import { gatewayLogger } from './logger.js';
import type { Source } from './model.js';
import { compilable, documentCache, usesIncrementalDelivery } from './plugins/document-cache.js';
import { useBodyLimit } from './plugins/use-body-limit.js';
import { type CorsOptions, corsPolicy, useVaryOrigin } from './plugins/use-cors.js';
import { useErrorCodes } from './plugins/use-error-codes.js';
import { type CallerContext, type GatewayAuthOptions, useGatewayAuth } from './plugins/use-gateway-auth.js';
import { graphiqlOptions, renderLocalGraphiQL, useGraphiQLAssets } from './plugins/use-graphiql-assets.js';
import { useIntercomWebhooks } from './plugins/use-intercom-webhooks.js';
import { SharedLifetime, useOperationDedupe } from './plugins/use-operation-dedupe.js';
import { usePartialErrors } from './plugins/use-partial-errors.js';
import type { PersistedOperation } from './plugins/use-persisted-manifest.js';
import { usePersisted } from './plugins/use-persisted-operations.js';
import { DEFAULT_LIMITS, type QueryLimits, useQueryLimits } from './plugins/use-query-limits.js';
import { useUnicodeInput } from './plugins/use-unicode-input.js';
import { useUpstreamDeadline } from './plugins/use-upstream-deadline.js';
import { useWriteScope } from './plugins/use-write-scope.js';
import { schema } from './schema/index.js';
import { SharedGenerations } from './shared/generations.js';
import { RateBudget } from './shared/rate-budget.js';
import { LearnedResets } from './shared/rate-resets.js';
import { type SharedHealth, SharedStore } from './shared/redis.js';
import { sharedResponseCache } from './shared/response-cache.js';
import { SharedCache } from './shared/shared-cache.js';
import { Sources } from './sources.js';
import { gatewayTelemetry } from './telemetry/gateway-telemetry.js';
import { BacksideClient } from './upstream/backside/client.js';
import { BacksideConnector } from './upstream/backside/connector.js';
import { BacksideWriter } from './upstream/backside/writer.js';
import type { SourceConnector } from './upstream/connector.js';
import { BodyBudget } from './upstream/http/body.js';
import { RequestDeadline } from './upstream/http/deadline.js';
import type { UpstreamObserver } from './upstream/http/observer.js';
import type { UpstreamPolicy } from './upstream/http/policy.js';
import type { RequestScope } from './upstream/http/requester.js';
import type { UpstreamSharedState } from './upstream/http/shared-state.js';
import { type BreakerState, type UpstreamFailureEvent, UpstreamHttp } from './upstream/http/upstream-http.js';
import { IntercomClient } from './upstream/intercom/client.js';
import { IntercomConnector } from './upstream/intercom/connector.js';
import { IntercomWriter } from './upstream/intercom/writer.js';
import type { SourceWriter } from './upstream/writer.js';
import { WriteGenerations } from './writes/generations.js';
import { MemoryIdempotencyStore } from './writes/idempotency.js';
import { RedisIdempotencyStore } from './writes/redis-idempotency.js';
import { Writers } from './writes/writers.js';

export interface GatewayOptions {
  /** Backside, when configured: its base URL and API key. */
  backside?: { baseUrl: string; apiKey: string } | undefined;
  /** Intercom, when configured: base URL (EU/AU workspaces differ), access token and pinned API version. */
  intercom?:
    | {
        baseUrl: string;
        accessToken: string;
        version: string;
        /** The admin Intercom notes are written as (INTERCOM_ADMIN_ID); without it addNote answers REQUIRED. */
        adminId?: string | undefined;
      }
    | undefined;
  /** Timeouts, retries, rate-limit waits, circuit breaker and concurrency of upstream calls (src/upstream/http.ts). */
  upstream?: Partial<UpstreamPolicy>;
  /** The most one GraphQL request may spend on upstream calls, retries and waits included, ms. */
  requestBudgetMs?: number;
  /** ISO region for phone numbers written without a country code (e.g. US). */
  defaultRegion?: string | undefined;
  /** Document and cost limits; see src/plugins/use-query-limits.ts for the defaults. */
  limits?: Partial<QueryLimits>;
  /** Largest request body, bytes (413 beyond). Default 100 kB. */
  maxBodyBytes?: number;
  /** Operations per batched HTTP request; 0 (the default) turns batching off. */
  maxBatch?: number;
  /** Caller authentication; undefined leaves the gateway open (the demo). */
  auth?: GatewayAuthOptions | undefined;
  /** Browser origins allowed to read answers (src/plugins/use-cors.ts); undefined: no cross-origin access. */
  cors?: CorsOptions | undefined;
  /**
   * Trusted documents served by id (Apollo's persisted-query manifest, parsed by the caller); undefined: none.
   * Automatic persisted queries are always on (src/plugins/use-persisted-operations.ts).
   */
  persistedOperations?: readonly PersistedOperation[] | undefined;
  /** With persistedOperations: false refuses every other document before it runs; default true. */
  allowArbitraryOperations?: boolean | undefined;
  /**
   * Name of the header in which a caller may send its own Backside API key, used instead of the configured one for
   * that request; undefined turns the feature off.
   */
  backsideKeyHeader?: string | undefined;
  /** Where callers' own Backside keys are sent when no Backside key is configured. */
  backsideBaseUrl?: string | undefined;
  /** The configured key's tenant: Backside records of any other tenant are dropped. */
  backsideTenantId?: string | undefined;
  /**
   * Opt-in: keep whole responses this long (ms), per upstream credential; 0 or undefined: off. Answers with errors
   * are never kept.
   */
  responseCacheTtlMs?: number | undefined;
  /**
   * Identical query operations in flight at the same time, with the same upstream credential, execute once and share
   * the answer (src/plugins/use-operation-dedupe.ts); default on.
   */
  dedupeOperations?: boolean;
  /** Compile operations to JavaScript with graphql-jit (cached per document); default on. */
  jit?: boolean;
  /** The query GraphiQL opens with; false turns GraphiQL off. */
  graphiql?: { defaultQuery: string } | false;
  /** Yoga's logger setting: false for silence, or a logger of your own (tests read what would be logged). */
  logging?: boolean | YogaLogger;
  /** For tests that count or fake calls below ky; the gateway uses the global fetch. */
  fetch?: typeof fetch;
  /**
   * The process is stopping: when this aborts, every upstream call in flight is cancelled (its request answers at
   * once with UPSTREAM_UNAVAILABLE for that source) and no new one starts. src/index.ts aborts it after the grace.
   */
  stopSignal?: AbortSignal | undefined;
  /**
   * Redis shared by every replica (REDIS_URL): rate budget, learned 429 resets, the tag list and response caches, APQ,
   * idempotency keys and write generations (src/shared/). Undefined: all in this process's memory.
   */
  redisUrl?: string | undefined;
  /** Replicas sharing the rate budget: each counts budget / replicas while Redis is unreachable. Default 1. */
  replicas?: number | undefined;
  /** Upstream calls a minute per source and credential over every replica; 0 or absent: no budget of ours. */
  rateLimitPerMinute?: Partial<Record<Source, number>> | undefined;
  /** Told of every upstream call, attempt, retry, rate-limit wait and breaker change (metrics, traces). */
  observer?: UpstreamObserver | undefined;
  /** The change bus (src/events/); default: Redis pub/sub with REDIS_URL, else this process's memory. */
  changes?: ChangeBus | undefined;
  /** Spans of operations and upstream calls (src/plugins/use-tracing.ts); undefined: no tracing, nothing runs. */
  tracer?: Tracer | undefined;
  /** Prometheus series and `GET /metrics` (src/telemetry/metrics.ts); default on. */
  metrics?: boolean | undefined;
  /** METRICS_TOKEN: `GET /metrics` then needs `Authorization: Bearer <it>` (src/plugins/use-metrics.ts). */
  metricsToken?: string | undefined;
  /** Aborted when the process starts stopping (SIGTERM): `/readiness` answers 503 from then on. */
  stopping?: AbortSignal | undefined;
  /** One info line per GraphQL request (request id, operation, outcome, status, duration, codes); default off. */
  requestLog?: boolean | undefined;
  /**
   * Intercom webhooks at `POST /webhooks/intercom` (src/plugins/use-intercom-webhooks.ts), checked with the app's client
   * secret (INTERCOM_CLIENT_SECRET); undefined: off (404). Their events go to `changes` (origin SOURCE).
   */
  intercomWebhooks?: { clientSecret: string; maxAgeMs?: number } | undefined;
}

/** What `gateway.health()` reports (readiness, /metrics). */
export interface GatewayHealth {
  /** `off`: no REDIS_URL; `ok`: shared; `down`: configured but unreachable or slow (serving from memory). */
  redis: SharedHealth;
  /** Each configured source's circuit for the gateway's own credential. */
  sources: Partial<Record<Source, BreakerState>>;
}

export type Gateway = YogaServerInstance<Record<string, unknown>, GatewayContext> & {
  /** Redis and circuit state now; cheap (no I/O). */
  health(): GatewayHealth;
  /** The change bus: every write publishes here; webhooks publish here (origin SOURCE); subscriptions listen. */
  changes: ChangeBus;
};

/** Builds the gateway without listening: tests call `gateway.fetch`, only src/index.ts opens a port. */
export function createGateway(options: GatewayOptions): Gateway {
  const mapOptions = { defaultRegion: options.defaultRegion };
  const budgetMs = options.requestBudgetMs ?? REQUEST_BUDGET_MS;
  let log: ((event: UpstreamFailureEvent) => void) | undefined;
  let logRedis: ((state: 'ok' | 'down', cause?: string) => void) | undefined;
  const store = options.redisUrl
    ? new SharedStore({ url: options.redisUrl, log: (state, cause) => logRedis?.(state, cause) })
    : undefined;
  // Request ids, probes, /metrics, traces and the request line; `health` is read only once requests come.
  const telemetry = gatewayTelemetry(options, () => health());
  const common = {
    policy: options.upstream ?? {},
    shared: fleetState(store, options),
    observer: telemetry.observer,
    // One budget for the bodies of every source being read at once: the bound is the process's memory.
    bodyBudget: new BodyBudget(options.upstream?.bodyBudgetBytes ?? UPSTREAM_DEFAULTS.bodyBudgetBytes),
    onFailure: (event: UpstreamFailureEvent) => log?.(event),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const backside = options.backside
    ? new UpstreamHttp({
        ...common,
        source: 'BACKSIDE',
        baseUrl: options.backside.baseUrl,
        headers: { Authorization: `Bearer ${options.backside.apiKey}` },
      })
    : undefined;
  // Callers' own Backside keys go to the configured Backside URL (or the default one when no key is configured).
  const backsideForCallers =
    backside ??
    (options.backsideKeyHeader
      ? new UpstreamHttp({
          ...common,
          source: 'BACKSIDE',
          baseUrl: options.backsideBaseUrl ?? BACKSIDE_BASE_URL,
          headers: {},
        })
      : undefined);
  const intercom = options.intercom
    ? new UpstreamHttp({
        ...common,
        source: 'INTERCOM',
        baseUrl: options.intercom.baseUrl,
        headers: {
          Authorization: `Bearer ${options.intercom.accessToken}`,
          'Intercom-Version': options.intercom.version,
        },
      })
    : undefined;

  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Per gateway, not per request: a retried mutation comes in another request.
  // In Redis the gateway's own credentials are named by digest ('gateway' in memory), so that gateways configured with
  // other credentials may share one Redis without sharing answers, generations or idempotency keys.
  const own = createHash('sha256')
    .update(JSON.stringify([options.backside?.apiKey ?? '', options.intercom?.accessToken ?? '']))
    .digest('base64url');
  const sharedName = (key: string) => (key === 'gateway' ? own : key);
  const idempotency = store
    ? new RedisIdempotencyStore(store, { waitMs: budgetMs, namespace: own })
    : new MemoryIdempotencyStore();
  const writeGenerations = new WriteGenerations();
  // With Redis, a write on any replica moves the credential's shared generation: every replica's cached answers go.
  const sharedGenerations = store ? new SharedGenerations(store, 'rc') : undefined;
  // Changes reach subscribers on every replica (Redis) or on this one (memory).
  // Named by the gateway's own credentials: gateways with other keys sharing one Redis do not hear each other.
  const changeBus = options.changes ?? (store ? new RedisChangeBus(store, own) : new MemoryChangeBus());
  const eventReads = new EventReads(SUBSCRIPTIONS.readKeepMs, SUBSCRIPTIONS.maxSharedReads);
  // Parsed documents (and what lives as long as them: validation results, compiled code) kept by bytes, not count.
  const documents = documentCache({ jit: options.jit !== false });
  const backsideKeyHeader = options.backsideKeyHeader?.toLowerCase();
  // The upstream credential a request reads with: a caller's own Backside key (as a digest), else the gateway's.
  const credential = (request: Request) => {
    const key = backsideKeyHeader ? request.headers.get(backsideKeyHeader) : null;
    return key ? createHash('sha256').update(key).digest('base64url') : 'gateway';
  };
  const plugins: Plugin[] = [
    // First: the probes and /metrics answer before auth and CSRF; every answer carries its request id.
    ...telemetry.plugins,
    // First: Intercom's signature is its credential, so no caller auth, CSRF or GraphQL applies.
    useIntercomWebhooks({
      clientSecret: options.intercomWebhooks?.clientSecret,
      changes: changeBus,
      store,
      ...(options.intercomWebhooks?.maxAgeMs ? { maxAgeMs: options.intercomWebhooks.maxAgeMs } : {}),
      // What the gateway holds of the credential's reads goes, as after a write of ours.
      invalidate: async (key) => {
        writeGenerations.bump(key);
        await Promise.all([sharedGenerations?.bump(key), intercom?.invalidate()]);
      },
    }),
    ...(options.graphiql === false ? [] : [useGraphiQLAssets()]),
    useVaryOrigin(),
    useBodyLimit({ maxBytes: options.maxBodyBytes ?? MAX_BODY_BYTES }),
    // Browsers may only send "simple" requests cross-site; those must carry a header only a script can set.
    useCSRFPrevention({
      requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name'],
    }),
    ...(options.auth ? useGatewayAuth(options.auth) : []),
    // Mutations need the contacts:write scope: a read-only caller is refused before anything runs.
    useWriteScope({ authEnabled: options.auth !== undefined }) as Plugin,
    // Before the document limits: a text found by its hash or id is checked like any other.
    ...usePersisted({
      operations: options.persistedOperations,
      allowArbitraryOperations: options.allowArbitraryOperations,
      shared: store,
    }),
    ...useQueryLimits(limits),
    useUnicodeInput(),
    // @defer and @stream (answered as multipart/mixed or text/event-stream): a contact at once, slow children later.
    useDeferStream(),
    usePartialErrors() as Plugin,
    useUpstreamDeadline() as Plugin,
    useErrorCodes(),
    // Repeated operations run as compiled JavaScript rather than through graphql-js's interpreter: a document is
    // compiled once the cache has kept it and it comes again (src/plugins/document-cache.ts); one-offs run interpreted.
    // graphql-jit has no @defer/@stream: documents using them always run interpreted.
    ...(options.jit === false
      ? []
      : [
          useGraphQlJit(
            {},
            {
              enableIf: ({ document }) =>
                documents.repeated(document) && compilable(document) && !usesIncrementalDelivery(document),
            },
          ) as Plugin,
        ]),
    // After the JIT, so that a cached answer short-cuts the compiled execution.
    ...(options.responseCacheTtlMs
      ? [
          useResponseCache({
            ttl: options.responseCacheTtlMs,
            // A write by a credential moves it to a new generation: nothing cached before the write is served after.
            // With Redis the shared generation alone: every replica computes the same session for the same state.
            session: sharedGenerations
              ? async (request: Request) => {
                  const key = sharedName(credential(request));
                  return `${key}#${await sharedGenerations.current(key)}`;
                }
              : (request: Request) => writeGenerations.session(credential(request)),
            ...(store ? { cache: sharedResponseCache(store) } : {}),
          }) as Plugin,
        ]
      : []),
    // Last, so that a cached answer is found before anyone waits for an identical operation in flight.
    // Keyed by the credential's write generation too: a read arriving after a write never joins one that started
    // before it (and would answer what the write changed).
    ...(options.dedupeOperations === false
      ? []
      : [useOperationDedupe({ credential: (request) => writeGenerations.session(credential(request)) }) as Plugin]),
  ];

  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    plugins,
    batching: options.maxBatch ? { limit: options.maxBatch } : false,
    // useBodyLimit does this (by Content-Length, or while reading a chunked body); Yoga's own limit pipes every body
    // through a stream transform, a fifth of the cost of a small request.
    maxRequestBodySize: false,
    parserAndValidationCache: documents.options,
    // Expected failures one line at info/warn, stacks for the unexpected only (src/logger.ts).
    logging: gatewayLogger(options.logging ?? true),
    cors: corsPolicy(options.cors),
    // Served from the gateway itself, assets included (src/plugins/use-graphiql-assets.ts): no CDN.
    graphiql: options.graphiql === false ? false : graphiqlOptions(options.graphiql?.defaultQuery, options.auth),
    renderGraphiQL: renderLocalGraphiQL,
    landingPage: false,
    // /health and /readiness are ours (src/plugins/use-health.ts); Yoga's own check matches any URL ending in its
    // path, so it gets one no URL can end with (a raw NUL).
    healthCheckEndpoint: '\u0000',
    // Loaders live in the connectors, made here per request: batching and dedupe never cross callers.
    context: (initial): GatewayContext => {
      const { request } = initial;
      // Upstream calls stop when the request's budget is spent, when the caller (and every caller that joined this
      // operation) goes away, or when the gateway stops.
      const lifetime = new SharedLifetime(request);
      const upstreamDeadline = new RequestDeadline(budgetMs, {
        caller: () => lifetime.signal,
        stop: options.stopSignal,
      });
      const scope: RequestScope = {
        get signal() {
          return upstreamDeadline.signal;
        },
        deadline: upstreamDeadline.at,
      };
      const callerKey = backsideKeyHeader ? request.headers.get(backsideKeyHeader)?.trim() : undefined;
      if (callerKey && !/^[\x21-\x7e]{1,200}$/.test(callerKey)) {
        throw createGraphQLError(`The ${options.backsideKeyHeader} header is not a valid key.`, {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
      // The request's connectors and writers, or (subscriptions) one event's: same credentials, other loaders.
      // Made lazily, per source, on first use: a request that never reads a source builds none of its loaders.
      const connect = (scope: RequestScope) => {
        const connectors: Partial<Record<Source, () => SourceConnector>> = {};
        // Writers share their source's client and connector (one credential, one deadline, one set of loaders); made
        // only when a mutation asks for one.
        const writers: Partial<Record<Source, () => SourceWriter>> = {};
        if (callerKey || backside) {
          const backsideOf = once(() => {
            // A tenant's own key: every loader of this request is made for it, so nothing is shared with other callers.
            const client = callerKey
              ? new BacksideClient(
                  (backsideForCallers as UpstreamHttp).scope({
                    ...scope,
                    headers: { Authorization: `Bearer ${callerKey}` },
                  }),
                )
              : new BacksideClient((backside as UpstreamHttp).scope(scope));
            const connector = new BacksideConnector(
              client,
              callerKey ? mapOptions : { ...mapOptions, tenantId: options.backsideTenantId },
            );
            return { client, connector };
          });
          connectors.BACKSIDE = () => backsideOf().connector;
          writers.BACKSIDE = () => new BacksideWriter(backsideOf().client, backsideOf().connector);
        }
        if (intercom) {
          const intercomOf = once(() => {
            const client = new IntercomClient(intercom.scope(scope));
            return { client, connector: new IntercomConnector(client, mapOptions) };
          });
          connectors.INTERCOM = () => intercomOf().connector;
          writers.INTERCOM = () =>
            new IntercomWriter(intercomOf().client, intercomOf().connector, { adminId: options.intercom?.adminId });
        }
        return { connectors, writers };
      };
      const { connectors, writers } = connect(scope);
      const upstreamCredential = credential(request);
      // Intercom is always read with the gateway's token; Backside with the caller's own key when it sent one.
      const sourceCredential = (source: Source) => (source === 'BACKSIDE' ? upstreamCredential : GATEWAY_CREDENTIAL);
      return {
        sources: new Sources(connectors),
        writes: {
          writers: new Writers(writers),
          idempotency,
          // The caller (its API key or JWT subject, as a digest) and the credential it writes with.
          caller: `${(initial as CallerContext).caller?.id ?? 'open'}|${upstreamCredential}`,
          changed: (source, change) => {
            writeGenerations.bump(upstreamCredential);
            void sharedGenerations?.bump(sharedName(upstreamCredential));
            if (change) {
              changeBus.publish({
                id: randomUUID(),
                ...change,
                source,
                occurredAt: Date.now(),
                origin: 'GATEWAY',
                credential: sourceCredential(source),
              });
            }
          },
        },
        changes: {
          bus: changeBus,
          credential: sourceCredential,
          // Not tied to this subscriber's lifetime: other subscribers of the credential may share the read.
          reader: () => {
            const deadline = new RequestDeadline(budgetMs, { caller: () => undefined, stop: options.stopSignal });
            const eventScope: RequestScope = {
              get signal() {
                return deadline.signal;
              },
              deadline: deadline.at,
            };
            return { sources: new Sources(connect(eventScope).connectors), done: () => deadline.dispose() };
          },
          reads: eventReads,
          queueLength: SUBSCRIPTIONS.queueLength,
        },
        defaultRegion: options.defaultRegion,
        maxCost: limits.cost,
        partialErrors: [],
        lifetime,
        upstreamDeadline,
      };
    },
    maskedErrors: { maskError: maskGatewayError },
  });
  // Operators see which source failed, how and on which route; never a URL, token or upstream body.
  log = (event) =>
    yoga.logger.warn(`upstream ${event.source} ${event.code} (${event.detail}) attempt ${event.attempt}`);
  // One line when Redis goes down and one when it is back; never its URL.
  logRedis = (state, cause) =>
    state === 'down'
      ? yoga.logger.warn(`redis down (${cause ?? 'unreachable'}): serving from memory until it is back`)
      : yoga.logger.info('redis back: shared state again');
  const sources: [Source, UpstreamHttp | undefined][] = [
    ['BACKSIDE', backsideForCallers],
    ['INTERCOM', intercom],
  ];
  const health = (): GatewayHealth => ({
    redis: store ? store.health() : 'off',
    sources: Object.fromEntries(
      sources.flatMap(([source, http]) => (http ? [[source, http.breakerState()]] : [])),
    ) as GatewayHealth['sources'],
  });
  // Upstream connections end with the gateway.
  for (const http of new Set([backside, backsideForCallers, intercom]))
    if (http) yoga.disposableStack.defer(() => http.close());
  // Redis is closed with the gateway (yoga.dispose(), as at shutdown or the end of a test).
  if (store) yoga.disposableStack.defer(() => store.close());
  // Subscriptions end with the gateway (before Redis closes: disposal runs in reverse order).
  yoga.disposableStack.defer(() => changeBus.close());
  return Object.assign(yoga, { health, changes: changeBus });
}

/** What the transports share between replicas: the rate budget always (memory without Redis), the rest with Redis. */
function fleetState(store: SharedStore | undefined, options: GatewayOptions): UpstreamSharedState | undefined {
  const perMinute = {
    BACKSIDE: options.rateLimitPerMinute?.BACKSIDE ?? RATE_BUDGET.backsidePerMin,
    INTERCOM: options.rateLimitPerMinute?.INTERCOM ?? RATE_BUDGET.intercomPerMin,
  };
  const budget = new RateBudget({ perMinute, replicas: options.replicas ?? RATE_BUDGET.replicas, store });
  const state: UpstreamSharedState = {};
  if (budget.has('BACKSIDE') || budget.has('INTERCOM')) state.budget = (source, key) => budget.take(source, key);
  if (store) {
    const resets = new LearnedResets(store);
    const answers = new SharedCache({
      store,
      namespace: 'ans',
      memoryMaxBytes: options.upstream?.cacheMaxBytes ?? UPSTREAM_DEFAULTS.cacheMaxBytes,
    });
    const generations = {
      BACKSIDE: new SharedGenerations(store, 'BACKSIDE'),
      INTERCOM: new SharedGenerations(store, 'INTERCOM'),
    };
    state.resetAt = (source, key) => resets.resetAt(source, key);
    state.learnReset = (source, key, at) => resets.learn(source, key, at);
    state.answers = answers;
    state.generation = (source, key) => generations[source].current(key);
    state.wrote = (source, key) => generations[source].bump(key);
  }
  return Object.keys(state).length > 0 ? state : undefined;
}

/**
 * Expected failures keep their public message with `code` and `source`; anything else is masked by Yoga's default
 * (no stack, no upstream detail); src/plugins/use-error-codes.ts then gives every error a contract code.
 */
export function maskGatewayError(error: unknown, message: string, isDev?: boolean): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  // The caller went away mid-request: nobody reads this answer, and Yoga logs whatever is masked, so leave it be.
  if (error instanceof GraphQLError && original instanceof Error && original.name === 'AbortError') return error;
  if (original instanceof GatewayError) {
    const graphQLError = error instanceof GraphQLError ? error : undefined;
    return createGraphQLError(original.message, {
      nodes: graphQLError?.nodes ?? null,
      path: graphQLError?.path ?? null,
      extensions: { code: original.code, ...(original.source ? { source: original.source } : {}) },
    });
  }
  return maskError(error, message, isDev);
}

/** `make`'s value, made on the first call and the same one after. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

// The gateway's configuration: read from the environment once at start and validated, with a message naming the
// variable for any bad value. Only this file and src/index.ts read process.env.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  ALLOW_ARBITRARY_OPERATIONS,
  BACKSIDE_BASE_URL,
  INTERCOM_BASE_URL,
  JWT_REQUIRE_EXP,
  LOG_LEVEL,
  MAX_BODY_BYTES,
  OTEL_SERVICE_NAME,
  QUERY_LIMITS,
  QUERY_MAX_EXPANDED_FIELDS,
  RATE_BUDGET,
  REQUEST_BUDGET_MS,
  SHUTDOWN_GRACE_MS,
  UPSTREAM_DEFAULTS as UPSTREAM,
} from './defaults.js';
import { type PersistedOperation, parsePersistedManifest } from './plugins/use-persisted-manifest.js';

export interface Config {
  port: number;
  /** Serving processes (node:cluster) behind the one port; 1: this process serves. */
  workers: number;
  backside: {
    baseUrl: string;
    apiKey: string | undefined;
    /** Records of any other tenant are dropped (when set). */
    tenantId: string | undefined;
    /** Header in which a caller may send its own Backside key; undefined: off. */
    callerKeyHeader: string | undefined;
  };
  /** `adminId`: the Intercom admin notes are written as (INTERCOM_ADMIN_ID); without it addNote answers REQUIRED. */
  intercom: {
    baseUrl: string;
    accessToken: string | undefined;
    version: string;
    adminId: string | undefined;
    /** The app's client secret (INTERCOM_CLIENT_SECRET): webhooks at POST /webhooks/intercom; undefined: off. */
    clientSecret: string | undefined;
  };
  upstream: {
    timeoutMs: number;
    concurrency: number;
    retries: number;
    queueLimit: number;
    rateLimitWaitCapMs: number;
    breakerThreshold: number;
    breakerCooldownMs: number;
    dedupe: boolean;
    maxBodyBytes: number;
    bodyBudgetBytes: number;
  };
  requestBudgetMs: number;
  /** After SIGTERM, how long requests in flight may take before what is left is cancelled, ms. */
  shutdownGraceMs: number;
  limits: { depth: number; aliases: number; tokens: number; directives: number; cost: number; expandedFields: number };
  maxBodyBytes: number;
  maxBatch: number;
  /** Whole-response cache TTL, ms; 0: off. */
  responseCacheTtlMs: number;
  /** Identical query operations in flight execute once (per upstream credential). */
  dedupeOperations: boolean;
  /** Trusted documents read from the PERSISTED_OPERATIONS manifest; undefined: none. */
  persistedOperations: PersistedOperation[] | undefined;
  /** With a manifest: false refuses every document outside it. */
  allowArbitraryOperations: boolean;
  /** Caller authentication; undefined when the gateway is open. */
  auth:
    | {
        /** API keys with full access (reads and writes), without their suffix. */
        apiKeys: string[];
        /** API keys limited to reads (listed as `key:read`), without the suffix; absent when there are none. */
        readOnlyApiKeys?: string[];
        jwt?: {
          secret?: string;
          jwksUri?: string;
          issuer: string;
          audience: string;
          algorithm: 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';
          /** Refuse tokens without an `exp` claim. */
          requireExp: boolean;
        };
      }
    | undefined;
  defaultRegion: string;
  /**
   * Browser origins allowed to read answers (CORS): exact origins, and with `localhost` any page on this machine;
   * neither: no cross-origin access.
   */
  cors: { origins: string[]; localhost: boolean };
  /** No upstream credential at all: serve the built-in demo upstreams. */
  demo: boolean;
  /** Redis shared by every replica (REDIS_URL); undefined: all state in this process's memory. */
  redisUrl: string | undefined;
  /** Replicas behind one address (GATEWAY_REPLICAS): each counts budget / replicas while Redis is unreachable. */
  replicas: number;
  /** Upstream calls a minute per source and credential over every replica; 0: no budget of ours. */
  rateLimitPerMinute: { BACKSIDE: number; INTERCOM: number };
  /** Traces over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT; endpoint undefined: tracing off. */
  otel: { endpoint: string | undefined; serviceName: string };
  /** METRICS_TOKEN: `GET /metrics` needs it as a Bearer token; undefined: a caller's API key (or open without auth). */
  metricsToken: string | undefined;
  /** LOG_FORMAT (json, or pretty: default in the demo) and LOG_LEVEL. */
  log: { format: 'json' | 'pretty'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** The variables, their defaults and meaning; the README's configuration table says the same. */
export const VARIABLES = {
  PORT: '4000',
  WORKERS: '1',
  BACKSIDE_BASE_URL,
  BACKSIDE_API_KEY: '',
  INTERCOM_BASE_URL,
  INTERCOM_ACCESS_TOKEN: '',
  INTERCOM_VERSION: '2.16',
  INTERCOM_ADMIN_ID: '',
  INTERCOM_CLIENT_SECRET: '',
  UPSTREAM_TIMEOUT_MS: String(UPSTREAM.timeoutMs),
  UPSTREAM_CONCURRENCY: String(UPSTREAM.concurrency),
  UPSTREAM_QUEUE_LIMIT: String(UPSTREAM.queueLimit),
  UPSTREAM_RETRIES: String(UPSTREAM.retries),
  UPSTREAM_RATE_LIMIT_WAIT_CAP_MS: String(UPSTREAM.rateLimitWaitCapMs),
  UPSTREAM_BREAKER_THRESHOLD: String(UPSTREAM.breakerThreshold),
  UPSTREAM_BREAKER_COOLDOWN_MS: String(UPSTREAM.breakerCooldownMs),
  UPSTREAM_DEDUPE: UPSTREAM.dedupe ? 'on' : 'off',
  UPSTREAM_MAX_BODY_BYTES: String(UPSTREAM.maxBodyBytes),
  UPSTREAM_BODY_BUDGET_BYTES: String(UPSTREAM.bodyBudgetBytes),
  REQUEST_BUDGET_MS: String(REQUEST_BUDGET_MS),
  SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
  DEFAULT_PHONE_REGION: 'US',
  BACKSIDE_TENANT_ID: '',
  BACKSIDE_CALLER_KEY_HEADER: 'X-Backside-Api-Key',
  QUERY_MAX_DEPTH: String(QUERY_LIMITS.depth),
  QUERY_MAX_ALIASES: String(QUERY_LIMITS.aliases),
  QUERY_MAX_TOKENS: String(QUERY_LIMITS.tokens),
  QUERY_MAX_DIRECTIVES: String(QUERY_LIMITS.directives),
  QUERY_MAX_COST: String(QUERY_LIMITS.cost),
  QUERY_MAX_EXPANDED_FIELDS: String(QUERY_MAX_EXPANDED_FIELDS),
  MAX_BODY_BYTES: String(MAX_BODY_BYTES),
  MAX_BATCH: '0',
  RESPONSE_CACHE_TTL_MS: '0',
  OPERATION_DEDUPE: 'on',
  PERSISTED_OPERATIONS: '',
  ALLOW_ARBITRARY_OPERATIONS: ALLOW_ARBITRARY_OPERATIONS ? 'on' : 'off',
  GATEWAY_AUTH: '',
  GATEWAY_API_KEYS: '',
  JWT_SECRET: '',
  JWT_JWKS_URI: '',
  JWT_ISSUER: '',
  JWT_AUDIENCE: '',
  JWT_ALGORITHM: '',
  JWT_REQUIRE_EXP: JWT_REQUIRE_EXP ? 'on' : 'off',
  CORS_ORIGINS: '',
  REDIS_URL: '',
  GATEWAY_REPLICAS: String(RATE_BUDGET.replicas),
  BACKSIDE_RATE_LIMIT_PER_MIN: String(RATE_BUDGET.backsidePerMin),
  INTERCOM_RATE_LIMIT_PER_MIN: String(RATE_BUDGET.intercomPerMin),
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_SERVICE_NAME,
  LOG_FORMAT: '',
  LOG_LEVEL: LOG_LEVEL,
} satisfies Record<string, string>;

type Env = Record<string, string | undefined>;

function read(env: Env, name: keyof typeof VARIABLES): string {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? VARIABLES[name] : value;
}

function integer(env: Env, name: keyof typeof VARIABLES, min: number, max: number): number {
  const raw = read(env, name);
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw.slice(0, 40)}"`);
  }
  return value;
}

function baseUrl(env: Env, name: keyof typeof VARIABLES): string {
  const raw = read(env, name);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'must be an absolute http(s) URL');
  }
  if (url.username || url.password) throw new ConfigError(name, 'must not hold credentials; use the key variables');
  return url.href.replace(/\/+$/, '');
}

function secret(
  env: Env,
  name: 'BACKSIDE_API_KEY' | 'INTERCOM_ACCESS_TOKEN' | 'INTERCOM_CLIENT_SECRET' | 'METRICS_TOKEN',
): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (/\s/.test(value)) throw new ConfigError(name, 'must not contain white space');
  return value;
}

function flag(env: Env, name: keyof typeof VARIABLES): boolean {
  const raw = read(env, name).toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(raw)) return true;
  if (['off', 'false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, 'must be on or off');
}

const ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;

/**
 * Auth is required when the gateway talks to real upstreams (open only in the demo) unless GATEWAY_AUTH=disabled;
 * required with nothing to check against is a configuration error, not an open door.
 */
function auth(env: Env, demo: boolean): Config['auth'] {
  const mode = read(env, 'GATEWAY_AUTH').toLowerCase() || (demo ? 'disabled' : 'required');
  if (mode !== 'required' && mode !== 'disabled') throw new ConfigError('GATEWAY_AUTH', 'must be required or disabled');
  if (mode === 'disabled') return undefined;
  const { apiKeys, readOnlyApiKeys } = apiKeyList(read(env, 'GATEWAY_API_KEYS'));
  const secret = read(env, 'JWT_SECRET') || undefined;
  const jwksUri = read(env, 'JWT_JWKS_URI') || undefined;
  let jwt: NonNullable<Config['auth']>['jwt'];
  if (secret || jwksUri) {
    if (secret && jwksUri) throw new ConfigError('JWT_SECRET', 'set JWT_SECRET or JWT_JWKS_URI, not both');
    const issuer = read(env, 'JWT_ISSUER');
    const audience = read(env, 'JWT_AUDIENCE');
    if (!issuer) throw new ConfigError('JWT_ISSUER', 'is required with JWT_SECRET or JWT_JWKS_URI');
    if (!audience) throw new ConfigError('JWT_AUDIENCE', 'is required with JWT_SECRET or JWT_JWKS_URI');
    const algorithm = (read(env, 'JWT_ALGORITHM') || (secret ? 'HS256' : 'RS256')).toUpperCase();
    if (!(ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new ConfigError('JWT_ALGORITHM', `must be one of ${ALGORITHMS.join(', ')}`);
    }
    if (secret && !algorithm.startsWith('HS'))
      throw new ConfigError('JWT_ALGORITHM', 'a shared secret needs an HS algorithm');
    if (jwksUri && algorithm.startsWith('HS'))
      throw new ConfigError('JWT_ALGORITHM', 'a JWKS needs an RS or ES algorithm');
    if (secret && secret.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
    jwt = {
      ...(secret ? { secret } : { jwksUri: baseUrl(env, 'JWT_JWKS_URI') }),
      issuer,
      audience,
      algorithm: algorithm as (typeof ALGORITHMS)[number],
      requireExp: flag(env, 'JWT_REQUIRE_EXP'),
    };
  }
  if (apiKeys.length === 0 && readOnlyApiKeys.length === 0 && !jwt) {
    throw new ConfigError(
      'GATEWAY_AUTH',
      'is required with real upstreams: set GATEWAY_API_KEYS or JWT_*, or GATEWAY_AUTH=disabled',
    );
  }
  return { apiKeys, ...(readOnlyApiKeys.length > 0 ? { readOnlyApiKeys } : {}), ...(jwt ? { jwt } : {}) };
}

/** What a `GATEWAY_API_KEYS` entry's suffix grants: `:read` reads only, `:write` (or none) reads and writes. */
const KEY_ACCESS = { read: 'read', write: 'write' } as const;

/**
 * GATEWAY_API_KEYS: comma-separated keys, each optionally suffixed `:read` (reads only) or `:write` (the same as no
 * suffix: reads and writes, as every key could before writes existed). The suffix is not part of the key: callers
 * send the key alone. Any other text after a colon is part of the key (keys may hold colons), so a mistyped suffix
 * fails closed: the key it makes is one no caller sends. The key part must be 16 characters or more; one key listed
 * with two accesses is an error (which one was meant?).
 */
export function apiKeyList(raw: string): { apiKeys: string[]; readOnlyApiKeys: string[] } {
  const access = new Map<string, 'read' | 'write'>();
  for (const entry of raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const colon = entry.lastIndexOf(':');
    const suffix = colon >= 0 ? entry.slice(colon + 1).toLowerCase() : '';
    const known = KEY_ACCESS[suffix as keyof typeof KEY_ACCESS];
    const key = known ? entry.slice(0, colon).trim() : entry;
    const granted = known ?? 'write';
    if (key.length < 16) throw new ConfigError('GATEWAY_API_KEYS', 'each key must be at least 16 characters');
    if (access.has(key) && access.get(key) !== granted) {
      throw new ConfigError('GATEWAY_API_KEYS', 'a key is listed both with and without :read');
    }
    access.set(key, granted);
  }
  const keys = [...access];
  return {
    apiKeys: keys.filter(([, granted]) => granted === 'write').map(([key]) => key),
    readOnlyApiKeys: keys.filter(([, granted]) => granted === 'read').map(([key]) => key),
  };
}

/**
 * CORS_ORIGINS: a comma-separated list of exact origins (scheme, host and port, as a browser sends them in `Origin`),
 * or `none`; unset, the demo allows pages on this machine and real upstreams allow no other origin.
 */
function cors(env: Env, demo: boolean): Config['cors'] {
  const raw = read(env, 'CORS_ORIGINS');
  if (raw === '') return { origins: [], localhost: demo };
  if (raw.toLowerCase() === 'none') return { origins: [], localhost: false };
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => {
      const problem = `must be exact origins like https://app.example.com (no *, path or query), got "${origin.slice(0, 60)}"`;
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new ConfigError('CORS_ORIGINS', problem);
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || origin.includes('*')) {
        throw new ConfigError('CORS_ORIGINS', problem);
      }
      if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
        throw new ConfigError('CORS_ORIGINS', problem);
      }
      return url.origin;
    });
  return { origins: [...new Set(origins)], localhost: false };
}

/** REDIS_URL: redis:// or rediss:// (credentials in it are allowed: it is never logged); empty: no Redis. */
function redisUrl(env: Env): string | undefined {
  const raw = read(env, 'REDIS_URL');
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  return raw;
}

/** PERSISTED_OPERATIONS: the path of an Apollo persisted-query manifest, read and checked here, once. */
function persisted(env: Env): Pick<Config, 'persistedOperations' | 'allowArbitraryOperations'> {
  const path = read(env, 'PERSISTED_OPERATIONS');
  const allowArbitraryOperations = flag(env, 'ALLOW_ARBITRARY_OPERATIONS');
  if (!path) {
    if (!allowArbitraryOperations) {
      throw new ConfigError('ALLOW_ARBITRARY_OPERATIONS', 'off needs a manifest in PERSISTED_OPERATIONS');
    }
    return { persistedOperations: undefined, allowArbitraryOperations };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'PERSISTED_OPERATIONS',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return { persistedOperations: parsePersistedManifest(text), allowArbitraryOperations };
  } catch (error) {
    throw new ConfigError('PERSISTED_OPERATIONS', `${path} ${(error as Error).message}`);
  }
}

export function loadConfig(env: Env): Config {
  const version = read(env, 'INTERCOM_VERSION');
  if (!/^\d+\.\d+$/.test(version)) throw new ConfigError('INTERCOM_VERSION', 'must look like 2.16');
  const region = read(env, 'DEFAULT_PHONE_REGION').toUpperCase();
  if (!/^[A-Z]{2}$/.test(region)) throw new ConfigError('DEFAULT_PHONE_REGION', 'must be an ISO 3166-1 alpha-2 code');
  const backsideKey = secret(env, 'BACKSIDE_API_KEY');
  const intercomToken = secret(env, 'INTERCOM_ACCESS_TOKEN');
  const demo = backsideKey === undefined && intercomToken === undefined;
  const header = read(env, 'BACKSIDE_CALLER_KEY_HEADER');
  if (header && header.toLowerCase() !== 'off' && !/^[A-Za-z0-9-]+$/.test(header)) {
    throw new ConfigError('BACKSIDE_CALLER_KEY_HEADER', 'must be a header name, or off');
  }
  return {
    port: integer(env, 'PORT', 0, 65535),
    workers: read(env, 'WORKERS').toLowerCase() === 'auto' ? availableParallelism() : integer(env, 'WORKERS', 1, 64),
    backside: {
      baseUrl: baseUrl(env, 'BACKSIDE_BASE_URL'),
      apiKey: backsideKey,
      tenantId: read(env, 'BACKSIDE_TENANT_ID') || undefined,
      callerKeyHeader: header && header.toLowerCase() !== 'off' ? header : undefined,
    },
    intercom: {
      baseUrl: baseUrl(env, 'INTERCOM_BASE_URL'),
      accessToken: intercomToken,
      version,
      adminId: read(env, 'INTERCOM_ADMIN_ID') || undefined,
      clientSecret: secret(env, 'INTERCOM_CLIENT_SECRET'),
    },
    upstream: {
      timeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 100, 120000),
      concurrency: integer(env, 'UPSTREAM_CONCURRENCY', 1, 256),
      queueLimit: integer(env, 'UPSTREAM_QUEUE_LIMIT', 0, 100000),
      retries: integer(env, 'UPSTREAM_RETRIES', 0, 5),
      rateLimitWaitCapMs: integer(env, 'UPSTREAM_RATE_LIMIT_WAIT_CAP_MS', 0, 60000),
      breakerThreshold: integer(env, 'UPSTREAM_BREAKER_THRESHOLD', 1, 1000),
      breakerCooldownMs: integer(env, 'UPSTREAM_BREAKER_COOLDOWN_MS', 100, 600000),
      dedupe: flag(env, 'UPSTREAM_DEDUPE'),
      maxBodyBytes: integer(env, 'UPSTREAM_MAX_BODY_BYTES', 1024, 256 * 1024 * 1024),
      bodyBudgetBytes: integer(env, 'UPSTREAM_BODY_BUDGET_BYTES', 1024, 4 * 1024 * 1024 * 1024),
    },
    requestBudgetMs: integer(env, 'REQUEST_BUDGET_MS', 100, 300000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 0, 600000),
    limits: {
      depth: integer(env, 'QUERY_MAX_DEPTH', 2, 100),
      aliases: integer(env, 'QUERY_MAX_ALIASES', 0, 1000),
      tokens: integer(env, 'QUERY_MAX_TOKENS', 50, 100000),
      directives: integer(env, 'QUERY_MAX_DIRECTIVES', 0, 1000),
      cost: integer(env, 'QUERY_MAX_COST', 1, 10000000),
      expandedFields: integer(env, 'QUERY_MAX_EXPANDED_FIELDS', 1, 1000000),
    },
    maxBodyBytes: integer(env, 'MAX_BODY_BYTES', 1000, 10000000),
    maxBatch: integer(env, 'MAX_BATCH', 0, 100),
    responseCacheTtlMs: integer(env, 'RESPONSE_CACHE_TTL_MS', 0, 3600000),
    dedupeOperations: flag(env, 'OPERATION_DEDUPE'),
    ...persisted(env),
    auth: auth(env, demo),
    cors: cors(env, demo),
    defaultRegion: region,
    demo,
    redisUrl: redisUrl(env),
    replicas: integer(env, 'GATEWAY_REPLICAS', 1, 1000),
    rateLimitPerMinute: {
      BACKSIDE: integer(env, 'BACKSIDE_RATE_LIMIT_PER_MIN', 0, 1_000_000),
      INTERCOM: integer(env, 'INTERCOM_RATE_LIMIT_PER_MIN', 0, 1_000_000),
    },
    ...telemetry(env, demo),
  };
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Traces, metrics and logs (src/telemetry/): the OTLP endpoint, the metrics token, the log format and level. */
function telemetry(env: Env, demo: boolean): Pick<Config, 'otel' | 'metricsToken' | 'log'> {
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (endpoint && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new ConfigError('OTEL_EXPORTER_OTLP_ENDPOINT', 'must be an http(s):// URL');
  }
  const format = read(env, 'LOG_FORMAT').toLowerCase() || (demo ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw new ConfigError('LOG_FORMAT', 'must be json or pretty');
  const level = read(env, 'LOG_LEVEL').toLowerCase() as Config['log']['level'];
  if (!LOG_LEVELS.includes(level)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    otel: { endpoint: endpoint || undefined, serviceName: read(env, 'OTEL_SERVICE_NAME') },
    metricsToken: secret(env, 'METRICS_TOKEN'),
    log: { format, level },
  };
}

// The gateway's configuration: read from the environment once at start and validated, with a message naming the
// variable for any bad value. Only this file and src/index.ts read process.env.

export interface Config {
  port: number;
  backside: { baseUrl: string; apiKey: string | undefined };
  intercom: { baseUrl: string; accessToken: string | undefined; version: string };
  upstreamTimeoutMs: number;
  upstreamConcurrency: number;
  defaultRegion: string;
  /** No upstream credential at all: serve the built-in demo upstreams. */
  demo: boolean;
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
  BACKSIDE_BASE_URL: 'https://api.backside.app',
  BACKSIDE_API_KEY: '',
  INTERCOM_BASE_URL: 'https://api.intercom.io',
  INTERCOM_ACCESS_TOKEN: '',
  INTERCOM_VERSION: '2.16',
  UPSTREAM_TIMEOUT_MS: '10000',
  UPSTREAM_CONCURRENCY: '16',
  DEFAULT_PHONE_REGION: 'US',
} as const;

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

function secret(env: Env, name: 'BACKSIDE_API_KEY' | 'INTERCOM_ACCESS_TOKEN'): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (/\s/.test(value)) throw new ConfigError(name, 'must not contain white space');
  return value;
}

export function loadConfig(env: Env): Config {
  const version = read(env, 'INTERCOM_VERSION');
  if (!/^\d+\.\d+$/.test(version)) throw new ConfigError('INTERCOM_VERSION', 'must look like 2.16');
  const region = read(env, 'DEFAULT_PHONE_REGION').toUpperCase();
  if (!/^[A-Z]{2}$/.test(region)) throw new ConfigError('DEFAULT_PHONE_REGION', 'must be an ISO 3166-1 alpha-2 code');
  const backsideKey = secret(env, 'BACKSIDE_API_KEY');
  const intercomToken = secret(env, 'INTERCOM_ACCESS_TOKEN');
  return {
    port: integer(env, 'PORT', 0, 65535),
    backside: { baseUrl: baseUrl(env, 'BACKSIDE_BASE_URL'), apiKey: backsideKey },
    intercom: { baseUrl: baseUrl(env, 'INTERCOM_BASE_URL'), accessToken: intercomToken, version },
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 100, 120000),
    upstreamConcurrency: integer(env, 'UPSTREAM_CONCURRENCY', 1, 256),
    defaultRegion: region,
    demo: backsideKey === undefined && intercomToken === undefined,
  };
}

import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('defaults to the demo with no credentials', () => {
    expect(loadConfig({})).toMatchObject({
      port: 4000,
      demo: true,
      backside: { baseUrl: 'https://api.backside.app', apiKey: undefined },
      intercom: { baseUrl: 'https://api.intercom.io', accessToken: undefined, version: '2.16' },
    });
  });

  it('configures only the source whose credential is set', () => {
    const config = loadConfig({
      INTERCOM_ACCESS_TOKEN: 'tok',
      INTERCOM_BASE_URL: 'https://api.eu.intercom.io/',
      GATEWAY_AUTH: 'disabled',
    });
    expect(config).toMatchObject({
      demo: false,
      intercom: { baseUrl: 'https://api.eu.intercom.io', accessToken: 'tok' },
    });
    expect(config.backside.apiKey).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT: /],
    [{ PORT: '70000' }, /^PORT: /],
    [{ BACKSIDE_BASE_URL: 'ftp://x' }, /^BACKSIDE_BASE_URL: /],
    [{ INTERCOM_BASE_URL: 'not a url' }, /^INTERCOM_BASE_URL: /],
    [{ INTERCOM_VERSION: 'latest' }, /^INTERCOM_VERSION: /],
    [{ UPSTREAM_TIMEOUT_MS: '5' }, /^UPSTREAM_TIMEOUT_MS: /],
    [{ UPSTREAM_MAX_BODY_BYTES: '5' }, /^UPSTREAM_MAX_BODY_BYTES: /],
    [{ UPSTREAM_BODY_BUDGET_BYTES: 'lots' }, /^UPSTREAM_BODY_BUDGET_BYTES: /],
    [{ QUERY_MAX_COST: '0' }, /^QUERY_MAX_COST: /],
    [{ DEFAULT_PHONE_REGION: 'USA' }, /^DEFAULT_PHONE_REGION: /],
  ])('names the variable of a bad value: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('requires caller auth with real upstreams, unless explicitly disabled', () => {
    expect(() => loadConfig({ INTERCOM_ACCESS_TOKEN: 'tok' })).toThrow(/^GATEWAY_AUTH: /);
    expect(loadConfig({ INTERCOM_ACCESS_TOKEN: 'tok', GATEWAY_AUTH: 'disabled' }).auth).toBeUndefined();
    expect(
      loadConfig({ INTERCOM_ACCESS_TOKEN: 'tok', GATEWAY_API_KEYS: 'k-0123456789abcdef, k-fedcba9876543210' }).auth,
    ).toEqual({
      apiKeys: ['k-0123456789abcdef', 'k-fedcba9876543210'],
    });
    expect(loadConfig({}).auth).toBeUndefined();
  });

  it('pins one JWT algorithm and checks it fits the key', () => {
    const base = { INTERCOM_ACCESS_TOKEN: 'tok', JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'gateway' };
    expect(loadConfig({ ...base, JWT_SECRET: 'x'.repeat(32) }).auth?.jwt?.algorithm).toBe('HS256');
    expect(loadConfig({ ...base, JWT_JWKS_URI: 'https://issuer.example/jwks.json' }).auth?.jwt?.algorithm).toBe(
      'RS256',
    );
    expect(() => loadConfig({ ...base, JWT_SECRET: 'x'.repeat(32), JWT_ALGORITHM: 'RS256' })).toThrow(
      /^JWT_ALGORITHM: /,
    );
    expect(() => loadConfig({ ...base, JWT_SECRET: 'short' })).toThrow(/^JWT_SECRET: /);
    expect(() => loadConfig({ INTERCOM_ACCESS_TOKEN: 'tok', JWT_SECRET: 'x'.repeat(32) })).toThrow(/^JWT_ISSUER: /);
  });

  it('reads limits and upstream policy', () => {
    const config = loadConfig({ QUERY_MAX_DEPTH: '7', UPSTREAM_DEDUPE: 'off', UPSTREAM_RETRIES: '0' });
    expect(config.limits.depth).toBe(7);
    expect(config.upstream).toMatchObject({ dedupe: false, retries: 0 });
    expect(() => loadConfig({ UPSTREAM_DEDUPE: 'maybe' })).toThrow(/^UPSTREAM_DEDUPE: /);
    expect(loadConfig({}).dedupeOperations).toBe(true);
    expect(loadConfig({ OPERATION_DEDUPE: 'off' }).dedupeOperations).toBe(false);
    expect(() => loadConfig({ OPERATION_DEDUPE: '2' })).toThrow(/^OPERATION_DEDUPE: /);
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(() => loadConfig({ WORKERS: '0' })).toThrow(/^WORKERS: /);
  });

  it('never echoes a secret in its messages', () => {
    expect(() => loadConfig({ BACKSIDE_API_KEY: 'bsk_live secret' })).toThrow(
      /^BACKSIDE_API_KEY: must not contain white space$/,
    );
  });

  it('allows cross-origin pages only where told: localhost in the demo, exact CORS_ORIGINS otherwise', () => {
    expect(loadConfig({}).cors).toEqual({ origins: [], localhost: true });
    expect(loadConfig({ INTERCOM_ACCESS_TOKEN: 'tok', GATEWAY_AUTH: 'disabled' }).cors).toEqual({
      origins: [],
      localhost: false,
    });
    expect(loadConfig({ CORS_ORIGINS: 'none' }).cors).toEqual({ origins: [], localhost: false });
    expect(
      loadConfig({ CORS_ORIGINS: ' https://app.example.com/ , http://localhost:3000,https://app.example.com' }).cors,
    ).toEqual({ origins: ['https://app.example.com', 'http://localhost:3000'], localhost: false });
    for (const bad of ['*', 'https://*.example.com', 'app.example.com', 'https://app.example.com/path', 'null']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/^CORS_ORIGINS: must be exact origins/);
    }
  });

  it('requires exp in JWTs unless JWT_REQUIRE_EXP=off', () => {
    const base = {
      INTERCOM_ACCESS_TOKEN: 'tok',
      JWT_SECRET: 'x'.repeat(32),
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'gateway',
    };
    expect(loadConfig(base).auth?.jwt?.requireExp).toBe(true);
    expect(loadConfig({ ...base, JWT_REQUIRE_EXP: 'off' }).auth?.jwt?.requireExp).toBe(false);
    expect(() => loadConfig({ ...base, JWT_REQUIRE_EXP: 'sometimes' })).toThrow(/^JWT_REQUIRE_EXP: /);
  });
  it('turns Intercom webhooks on with INTERCOM_CLIENT_SECRET, off without it', () => {
    expect(loadConfig({}).intercom.clientSecret).toBeUndefined();
    expect(loadConfig({ INTERCOM_CLIENT_SECRET: ' s3cret ' }).intercom.clientSecret).toBe('s3cret');
    expect(() => loadConfig({ INTERCOM_CLIENT_SECRET: 'two words' })).toThrow(/^INTERCOM_CLIENT_SECRET: /);
  });
});

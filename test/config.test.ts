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
    const config = loadConfig({ INTERCOM_ACCESS_TOKEN: 'tok', INTERCOM_BASE_URL: 'https://api.eu.intercom.io/' });
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
    [{ DEFAULT_PHONE_REGION: 'USA' }, /^DEFAULT_PHONE_REGION: /],
  ])('names the variable of a bad value: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a secret in its messages', () => {
    expect(() => loadConfig({ BACKSIDE_API_KEY: 'bsk_live secret' })).toThrow(
      /^BACKSIDE_API_KEY: must not contain white space$/,
    );
  });
});

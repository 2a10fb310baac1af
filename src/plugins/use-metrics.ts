import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { GatewayMetrics } from '../telemetry/metrics.js';

export interface MetricsEndpointOptions {
  metrics: GatewayMetrics;
  /** METRICS_TOKEN: when set, a scrape needs `Authorization: Bearer <token>` and nothing else is accepted. */
  token?: string | undefined;
  /** Without a token: the callers' API keys (X-Api-Key), full or read-only, as useGatewayAuth accepts them. */
  apiKeys?: readonly string[] | undefined;
  /** Without a token, and without caller auth at all (the demo): the scrape is open. */
  open: boolean;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time: hashing first hides lengths, and every key is compared. */
function known(candidate: string | undefined, keys: Buffer[]): boolean {
  if (candidate === undefined) return false;
  const hashed = digest(candidate);
  let found = false;
  for (const key of keys) found = timingSafeEqual(hashed, key) || found;
  return found;
}

/**
 * `GET /metrics` in Prometheus' text format, on the gateway's own port and never anonymous unless the gateway itself
 * is (see MetricsEndpointOptions); a refused scrape is 401 with a `WWW-Authenticate` challenge, other methods 405.
 * Answered before auth, CSRF and GraphQL.
 */
export function useMetricsEndpoint(options: MetricsEndpointOptions): Plugin {
  const token = options.token === undefined ? undefined : [digest(options.token)];
  const keys = (options.apiKeys ?? []).map(digest);
  const allowed = (request: Request) => {
    if (token) return known(/^Bearer +(\S+) *$/i.exec(request.headers.get('authorization') ?? '')?.[1], token);
    if (keys.length > 0) return known(request.headers.get('x-api-key') ?? undefined, keys);
    return options.open;
  };
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return;
      if (request.method !== 'GET') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET' } }));
        return;
      }
      if (!allowed(request)) {
        const challenge = token ? 'Bearer realm="metrics"' : 'ApiKey realm="metrics", header="X-Api-Key"';
        endResponse(
          new fetchAPI.Response('Unauthorized: /metrics needs the metrics token or an API key.\n', {
            status: 401,
            headers: { 'www-authenticate': challenge, 'content-type': 'text/plain; charset=utf-8' },
          }),
        );
        return;
      }
      return options.metrics.registry.metrics().then((text) => {
        endResponse(
          new fetchAPI.Response(text, {
            status: 200,
            headers: { 'content-type': options.metrics.registry.contentType, 'cache-control': 'no-store' },
          }),
        );
      });
    },
  };
}

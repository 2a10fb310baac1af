import type { Plugin } from 'graphql-yoga';
import { readiness } from '../telemetry/health.js';
import type { GatewayHealth } from '../yoga.js';

export interface HealthOptions {
  /** The dependencies' state now (Gateway.health). */
  health: () => GatewayHealth;
  /** Aborted when the process starts stopping (SIGTERM): readiness answers 503 from then on. */
  stopping?: AbortSignal | undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/**
 * Load balancers' probes, answered before auth, CSRF and GraphQL (they carry no credentials and tell no data):
 * - `GET /health` → 200 `{"status":"alive"}` while the process serves at all;
 * - `GET /readiness` → 200 when ready, else 503, with the body `{status, sources: {BACKSIDE: 'closed'|'open'|
 *   'half-open', …}, redis: 'off'|'ok'|'down'}` (src/telemetry/health.ts says when it is ready).
 * Other methods on these paths are 405.
 */
export function useHealth(options: HealthOptions): Plugin {
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      const path = url.pathname;
      if (path !== '/health' && path !== '/readiness') return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      if (path === '/health') {
        // A fresh headers object each time: the Response takes it over (and sets content-length on it).
        endResponse(new fetchAPI.Response('{"status":"alive"}', { status: 200, headers: { ...JSON_HEADERS } }));
        return;
      }
      const body = readiness(options.health(), options.stopping?.aborted === true);
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: body.status === 'ready' ? 200 : 503,
          headers: { ...JSON_HEADERS },
        }),
      );
    },
  };
}

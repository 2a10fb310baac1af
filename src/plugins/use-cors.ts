import type { Plugin } from 'graphql-yoga';
import { CORS_LOCALHOST, CORS_MAX_AGE_S } from '../defaults.js';

export interface CorsOptions {
  /** Exact origins (`https://app.example.com`) whose pages may read the gateway's answers. */
  origins: readonly string[];
  /** Any page on this machine too (http(s)://localhost, http://127.0.0.1, http://[::1], any port): the demo's. */
  localhost?: boolean | undefined;
}

/** What Yoga's `cors` option takes from a function of the request: the answer's CORS headers, or none at all. */
export type CorsAnswer = { methods: string[]; credentials: boolean; maxAge: number } | false;

/**
 * Yoga's `cors` option: which browser pages may read our answers. A request whose `Origin` is allowed gets it back in
 * `Access-Control-Allow-Origin` (with `Vary: Origin`); any other, and any preflight from it, gets no
 * `Access-Control-*` header at all, so the browser keeps the answer from the page (a preflight is answered 204 with
 * nothing allowed, and the request it asked for is never sent). Same-origin pages (GraphiQL served here) and callers
 * that are not browsers send no `Origin` or need no CORS header: they are unaffected.
 *
 * `Access-Control-Allow-Credentials` is never sent: callers authenticate with headers (`X-Api-Key`, `Authorization`),
 * which a script may send cross-origin without it, and the gateway reads no cookie; so an allowed page cannot make a
 * visitor's browser spend ambient credentials either.
 *
 * The default (no options) is no cross-origin access; Yoga's own default would echo any origin, with credentials.
 */
export function corsPolicy(options: CorsOptions | undefined): (request: Request) => CorsAnswer {
  const origins = new Set(options?.origins ?? []);
  const localhost = options?.localhost === true;
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !(origins.has(origin) || (localhost && CORS_LOCALHOST.test(origin)))) return false;
    // No `origin` here: Yoga then echoes the request's (checked just above) and adds `Vary: Origin`; the headers a
    // preflight asks for are echoed too.
    return { methods: ['GET', 'POST'], credentials: false, maxAge: CORS_MAX_AGE_S };
  };
}

/**
 * `Vary: Origin` on every answer, not only on allowed origins' (Yoga adds it only there): an answer without CORS
 * headers depends on the Origin too, and a shared cache must not hand it to a page that is allowed, nor the reverse.
 */
export function useVaryOrigin(): Plugin {
  return {
    onResponse({ response }) {
      const vary = response.headers.get('vary');
      if (
        !vary
          ?.toLowerCase()
          .split(/\s*,\s*/)
          .includes('origin')
      ) {
        response.headers.set('vary', vary ? `${vary}, Origin` : 'Origin');
      }
    },
  };
}

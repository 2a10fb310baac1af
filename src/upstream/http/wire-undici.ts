// The network wire: undici's request API over a keep-alive pool per upstream origin. Not fetch (nor ky over it):
// fetch builds WHATWG Request, Headers, Response and stream objects for every call; measured on this machine
// (bench/RESULTS.md, "Per-request cost") a call through ky took about five times the CPU of the same call through
// undici.request, and upstream calls were a third of the gateway's CPU on a varied single-contact workload.
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
import { UPSTREAM_USER_AGENT } from '../../defaults.js';
import { type HeaderReader, urlOf, type Wire } from './wire.js';

/** Response headers as undici gives them (lowercased names; repeated ones as arrays), read like a `Headers`. */
class UndiciHeaders implements HeaderReader {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name) as string];
  }
}

/**
 * Sent on every call unless the caller set them: compressed answers (body.ts decodes them, counting decoded bytes
 * against the cap), and who is asking.
 */
const WIRE_HEADERS = { 'accept-encoding': 'gzip, deflate, br', 'user-agent': UPSTREAM_USER_AGENT };

/** How much of an unread body is drained to keep its connection, and for how long, before the socket is closed. */
const DUMP_LIMIT_BYTES = 64 * 1024;
const DUMP_TIMEOUT_MS = 1000;

export interface UndiciWireOptions {
  /** Idle connections are closed after this long, ms; undici's default 4 s, the usual keep-alive of a server. */
  keepAliveTimeoutMs?: number;
}

/**
 * A Wire to `baseUrl` over one undici Pool (connections kept alive and reused; their number grows with calls in
 * flight, which the transport's per-credential slots bound). undici keeps idle sockets unreferenced, so the pool never
 * holds the process open. `close()` ends its connections.
 */
export function undiciWire(baseUrl: string, options: UndiciWireOptions = {}): Wire & { close(): Promise<void> } {
  const base = new URL(baseUrl);
  const pool = new Pool(base.origin, {
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4000,
    // Our attempt timeout bounds headers and body (upstream-http.ts); undici's own 300 s ones never fire first.
  });
  const wire: Wire = async (request) => {
    // Parsed, so that what the path holds is percent-encoded as a URL would be; the pool takes the path and query.
    const url = new URL(urlOf(baseUrl, request.path, request.searchParams));
    const hasBody = request.json !== undefined;
    const answer = await pool.request({
      method: request.method as 'GET',
      path: `${url.pathname}${url.search}`,
      headers: { ...WIRE_HEADERS, ...request.headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      body: hasBody ? JSON.stringify(request.json) : null,
      signal: request.signal,
    });
    const body = answer.body;
    return {
      status: answer.statusCode,
      headers: new UndiciHeaders(answer.headers),
      body,
      cancel: async () => {
        // Not awaited: the answer (a status, a refusal) must not wait for the body. A small rest is read and dropped
        // in the background so the connection can be reused; a large or stalled one closes the socket.
        body
          .dump({ limit: DUMP_LIMIT_BYTES, signal: AbortSignal.timeout(DUMP_TIMEOUT_MS) })
          .catch(() => body.destroy());
      },
    };
  };
  return Object.assign(wire, { close: () => pool.close() });
}

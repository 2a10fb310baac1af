// The network wire: undici's request API over a keep-alive pool per upstream origin. Not fetch (nor ky over it):
// fetch builds WHATWG Request, Headers, Response and stream objects for every call; measured on this machine
// (bench/RESULTS.md, "Per-request cost") a call through ky took about five times the CPU of the same call through
// undici.request, and upstream calls were a third of the gateway's CPU on a varied single-contact workload.
import { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';
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
  const prefix = base.pathname;
  const wire: Wire = async (request) => {
    const url = new URL(urlOf(`${base.origin}${prefix}`, request.path, request.searchParams));
    const hasBody = request.json !== undefined;
    const answer = await pool.request({
      method: request.method as 'GET',
      path: `${url.pathname}${url.search}`,
      headers: hasBody ? { ...request.headers, 'content-type': 'application/json' } : request.headers,
      body: hasBody ? JSON.stringify(request.json) : null,
      signal: request.signal,
    });
    const body = answer.body;
    return {
      status: answer.statusCode,
      headers: new UndiciHeaders(answer.headers),
      body,
      cancel: async () => {
        // dump() reads and drops a small rest so the connection can be reused; a large one closes the socket.
        await body.dump().catch(() => {});
      },
    };
  };
  return Object.assign(wire, { close: () => pool.close() });
}

// What one attempt hands to the network and gets back: the seam between the transport's policies (retries, circuit,
// slots, deadlines: upstream-http.ts) and the bytes. Two wires: undici's request API for the network
// (wire-undici.ts), and a given fetch for unit tests of a client (wire-fetch.ts).

/** One HTTP request as the transport prepared it. */
export interface WireRequest {
  method: string;
  /** Relative to the source's base URL, without a leading slash (`contacts/search`). */
  path: string;
  /** Query parameters, already strings. */
  searchParams: Record<string, string>;
  /** Every header to send, names lowercased (the source's defaults, a caller's credential, the call's own). */
  headers: Record<string, string>;
  /** Sent as JSON (`content-type: application/json`); undefined: no body. */
  json?: unknown;
  /** Aborts the request and the reading of its body. */
  signal: AbortSignal;
}

/** Response headers, read by name (case-insensitive) or listed; a `Headers` is one. */
export interface HeaderReader {
  get(name: string): string | null;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/** An answer whose body has not been read: read it by iterating `body`, or `cancel()` it. */
export interface WireResponse {
  status: number;
  headers: HeaderReader;
  /** The body's chunks; they end when the body does, and throw when it is cut (an abort, a reset). */
  body: AsyncIterable<Uint8Array> | null;
  /** Stops reading the body and releases the connection; never throws. */
  cancel(): Promise<void>;
}

/**
 * Sends one request. Never follows redirects (a 3xx is answered like any status).
 * @throws what the network throws: an Error whose `code` (or `cause.code`) is the socket's (ECONNREFUSED,
 *   ECONNRESET, UND_ERR_SOCKET…), or the signal's reason once it aborts.
 */
export type Wire = (request: WireRequest) => Promise<WireResponse>;

/** `path` under `baseUrl` (its own path kept), with the query. */
export function urlOf(baseUrl: string, path: string, searchParams: Record<string, string>): string {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const query = new URLSearchParams(searchParams).toString();
  return `${base}${path}${query ? `?${query}` : ''}`;
}

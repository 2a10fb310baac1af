// The wire over a given fetch: for unit tests of a client, which script answers as WHATWG Responses.
import { type HeaderReader, urlOf, type Wire } from './wire.js';

/** A Wire sending through `fetchFn` (redirects not followed), to `baseUrl`. */
export function fetchWire(fetchFn: typeof fetch, baseUrl: string): Wire {
  return async (request) => {
    const headers =
      request.json === undefined ? request.headers : { ...request.headers, 'content-type': 'application/json' };
    const response = await fetchFn(urlOf(baseUrl, request.path, request.searchParams), {
      method: request.method,
      headers,
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
      signal: request.signal,
      redirect: 'manual',
    });
    const body = response.body;
    return {
      status: response.status,
      // fetch has decoded the body already: its Content-Encoding no longer describes what is read.
      headers: withoutEncoding(response.headers),
      body: body ? (body as unknown as AsyncIterable<Uint8Array>) : null,
      cancel: async () => {
        await body?.cancel().catch(() => {});
      },
    };
  };
}

function withoutEncoding(headers: Headers): HeaderReader {
  const kept = (name: string) => name.toLowerCase() !== 'content-encoding';
  return {
    get: (name) => (kept(name) ? headers.get(name) : null),
    *[Symbol.iterator]() {
      for (const entry of headers) if (kept(entry[0])) yield entry;
    },
  };
}

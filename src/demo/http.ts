// A small loopback HTTP server for the fakes: routing by method and path, JSON answers, call recording, interceptors
// (fault injection in tests) and an optional fixed latency (benchmarks).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  /** Pathname only. */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body, if any. */
  body?: unknown;
  /** Lowercased header names. */
  headers: Record<string, string | undefined>;
  /** Filled in when answered (0 while pending or when an interceptor answered without a status). */
  status: number;
}

/** Runs before routing, after recording; returns true when it answered the request itself. */
export type Interceptor = (req: IncomingMessage, res: ServerResponse, call: RecordedCall) => boolean | Promise<boolean>;

export interface FakeUpstream {
  /** e.g. http://127.0.0.1:43123, no trailing slash. */
  url: string;
  calls: RecordedCall[];
  count(match?: { method?: string; path?: string | RegExp }): number;
  reset(): void;
  use(interceptor: Interceptor): () => void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
  /** This fake's own base URL (for Link headers). */
  baseUrl: string;
}

export interface FakeAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: FakeRequest) => FakeAnswer;

export interface FakeOptions {
  port?: number | undefined;
  latencyMs?: number | undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFake(handler: Handler, options: FakeOptions = {}): Promise<FakeUpstream> {
  const calls: RecordedCall[] = [];
  const interceptors: Interceptor[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let baseUrl = '';

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req).catch(() => '');
    let body: unknown;
    let badJson = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
      }
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const call: RecordedCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(body === undefined ? {} : { body }),
      headers,
      status: 0,
    };
    calls.push(call);
    for (const interceptor of interceptors) {
      if (await interceptor(req, res, call)) return;
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    let answer: FakeAnswer;
    if (badJson) {
      answer = { status: 400, body: { error: { code: 'invalid_json', message: 'Body is not JSON' } } };
    } else {
      try {
        answer = handler({
          method: call.method,
          path: url.pathname,
          query: url.searchParams,
          body,
          headers: req.headers,
          baseUrl,
        });
      } catch {
        answer = { status: 500, body: { error: { code: 'server_error', message: 'Internal error' } } };
      }
    }
    call.status = answer.status;
    const payload = JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(payload),
      ...answer.headers,
    });
    res.end(payload);
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    calls,
    count(match = {}) {
      return calls.filter(
        (call) =>
          (match.method === undefined || call.method === match.method) &&
          (match.path === undefined ||
            (typeof match.path === 'string' ? call.path === match.path : match.path.test(call.path))),
      ).length;
    },
    reset() {
      calls.length = 0;
    },
    use(interceptor) {
      interceptors.push(interceptor);
      return () => {
        const index = interceptors.indexOf(interceptor);
        if (index >= 0) interceptors.splice(index, 1);
      };
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Routes a request to the first route whose method and path pattern match; the groups become params. */
export function route(
  routes: [method: string, pattern: RegExp, handle: (request: FakeRequest, params: string[]) => FakeAnswer][],
  notFound: (request: FakeRequest) => FakeAnswer,
  wrongMethod: (request: FakeRequest) => FakeAnswer,
): Handler {
  return (request) => {
    let pathMatched = false;
    for (const [method, pattern, handle] of routes) {
      const match = pattern.exec(request.path);
      if (!match) continue;
      pathMatched = true;
      if (method === request.method)
        return handle(
          request,
          match.slice(1).map((part) => decodeURIComponent(part)),
        );
    }
    return pathMatched ? wrongMethod(request) : notFound(request);
  };
}

/** An opaque cursor for an offset. */
export const encodeOffset = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
export function decodeOffset(cursor: string): number | null {
  const match = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? Number(match[1]) : null;
}

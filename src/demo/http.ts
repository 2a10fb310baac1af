// A small loopback HTTP server for the fakes: routing by method and path, JSON answers, call recording, interceptors
// (fault injection in tests), an optional fixed latency (benchmarks) and lost write answers (`WriteDrops`).
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
  /** Filled in when answered (0 while pending, or when an interceptor dropped the request without answering). */
  status: number;
  /** True when a write took effect and its answer was then dropped on purpose (`WriteDrops`): status stays 0. */
  dropped?: boolean;
}

/** Which calls a switch applies to: every field given must match. */
export interface CallMatch {
  method?: string;
  /** Pathname, exactly or by pattern. */
  path?: string | RegExp;
}

const callMatches = (call: { method: string; path: string }, match: CallMatch): boolean =>
  (match.method === undefined || call.method === match.method.toUpperCase()) &&
  (match.path === undefined ||
    (typeof match.path === 'string' ? call.path === match.path : match.path.test(call.path)));

/**
 * The lost-answer switch: armed drops make the next successful (2xx) writes take effect and then destroy the socket
 * without answering, as a connection reset after the upstream committed would. Failed writes changed nothing, so they
 * are answered normally and do not use up a drop.
 */
export class WriteDrops {
  private armed: { left: number; match: CallMatch }[] = [];

  /** Arms `n` drops for writes matching `match` (any write when absent). */
  arm(n = 1, match: CallMatch = {}): void {
    if (n > 0) this.armed.push({ left: n, match });
  }

  /** Drops still armed. */
  pending(): number {
    return this.armed.reduce((sum, entry) => sum + entry.left, 0);
  }

  clear(): void {
    this.armed = [];
  }

  /** Uses up one armed drop matching the call, if any; true when the answer must be dropped. */
  take(call: { method: string; path: string }): boolean {
    const entry = this.armed.find((candidate) => callMatches(call, candidate.match));
    if (!entry) return false;
    entry.left -= 1;
    if (entry.left === 0) this.armed.splice(this.armed.indexOf(entry), 1);
    return true;
  }
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
  /** The parsed JSON body; undefined when there was none or it was not JSON (see `bodyInvalid`). */
  body: unknown;
  bodyInvalid: boolean;
  headers: IncomingMessage['headers'];
  /** This fake's own base URL (for Link headers). */
  baseUrl: string;
}

export interface FakeAnswer {
  status: number;
  /** Undefined: no body at all (204). */
  body: unknown;
  headers?: Record<string, string>;
}

export type Handler = (request: FakeRequest) => FakeAnswer;

export interface FakeOptions {
  port?: number | undefined;
  latencyMs?: number | undefined;
}

export interface FakeDefinition {
  handle: Handler;
  /** The upstream's own error body for a bug in `handle` (each upstream has its own error format). */
  internalError: () => FakeAnswer;
  /** Armed by the fake's control; consulted after a successful write (see `isWrite`). */
  drops?: WriteDrops;
  /** Which requests are writes, for `drops`; default: every method but GET and HEAD. */
  isWrite?: (request: FakeRequest) => boolean;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  if (answer.body === undefined) {
    res.writeHead(answer.status, { ...answer.headers });
    res.end();
    return;
  }
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...answer.headers,
  });
  res.end(payload);
}

export async function startFake(definition: FakeDefinition, options: FakeOptions = {}): Promise<FakeUpstream> {
  const calls: RecordedCall[] = [];
  const interceptors: Interceptor[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let baseUrl = '';

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Prefixing keeps a path such as `//x` a path instead of a protocol-relative URL.
    const url = new URL(`http://fake${req.url ?? '/'}`);
    const text = await readBody(req).catch(() => '');
    let body: unknown;
    let bodyInvalid = false;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        bodyInvalid = true;
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
    // Copy: an interceptor may remove itself while running.
    for (const interceptor of [...interceptors]) {
      if (await interceptor(req, res, call)) {
        // The interceptor answered (or chose never to); record its status once known.
        if (res.headersSent) call.status = res.statusCode;
        else res.once('finish', () => (call.status = res.statusCode));
        return;
      }
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    let answer: FakeAnswer;
    const request: FakeRequest = {
      method: call.method,
      path: url.pathname,
      query: url.searchParams,
      body,
      bodyInvalid,
      headers: req.headers,
      baseUrl,
    };
    try {
      answer = definition.handle(request);
    } catch {
      answer = definition.internalError();
    }
    const isWrite = definition.isWrite ?? ((r: FakeRequest) => r.method !== 'GET' && r.method !== 'HEAD');
    if (
      answer.status >= 200 &&
      answer.status < 300 &&
      definition.drops &&
      isWrite(request) &&
      definition.drops.take(call)
    ) {
      // The write took effect; the caller never hears of it.
      call.dropped = true;
      res.destroy();
      return;
    }
    call.status = answer.status;
    if (!res.destroyed) send(res, answer);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      // A throwing interceptor (or a bad URL) must not take the process down: answer 500 if still possible.
      if (!res.headersSent && !res.destroyed) send(res, definition.internalError());
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    calls,
    count(match = {}) {
      return calls.filter((call) => callMatches(call, match)).length;
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
      return new Promise((resolve) => {
        server.close(() => resolve());
        // After close(): idle keep-alive sockets and requests an interceptor left hanging would keep it open.
        server.closeAllConnections();
      });
    },
  };
}

export type Route = [method: string, pattern: RegExp, handle: (request: FakeRequest, params: string[]) => FakeAnswer];

/**
 * Routes a request to the first route whose method and path pattern match; the groups become (decoded) params.
 * A path that matches only under other methods answers `wrongMethod` with those methods (for an Allow header).
 */
export function route(
  routes: Route[],
  notFound: (request: FakeRequest) => FakeAnswer,
  wrongMethod: (request: FakeRequest, allowed: string[]) => FakeAnswer,
): Handler {
  return (request) => {
    const allowed: string[] = [];
    for (const [method, pattern, handle] of routes) {
      const match = pattern.exec(request.path);
      if (!match) continue;
      if (method === request.method) {
        let params: string[];
        try {
          params = match.slice(1).map((part) => decodeURIComponent(part));
        } catch {
          return notFound(request); // malformed percent-encoding cannot name a record
        }
        return handle(request, params);
      }
      allowed.push(method);
    }
    return allowed.length > 0 ? wrongMethod(request, [...new Set(allowed)]) : notFound(request);
  };
}

/** An opaque cursor for an offset (base64url, so clients cannot mistake it for a number). */
export const encodeOffset = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');

/** The offset a cursor names, or null for anything this fake did not hand out. */
export function decodeOffset(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? Number(match[1]) : null;
}

/** The token of an `Authorization: Bearer …` header, if any. */
export function bearer(request: FakeRequest): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/**
 * Adds the X-RateLimit-* headers both upstreams send: the limit, one fewer remaining (reported, never enforced) and
 * the end of the current window of `windowSeconds` (wall-clock time is fine here: the seed never reads it).
 */
export function withRateLimit(answer: FakeAnswer, limit: number, windowSeconds: number): FakeAnswer {
  const windowMs = windowSeconds * 1000;
  return {
    ...answer,
    headers: {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(limit - 1),
      'x-ratelimit-reset': String(Math.ceil((Date.now() + 1) / windowMs) * windowSeconds),
      ...answer.headers,
    },
  };
}

import ky, { HTTPError, type KyInstance, type Options, TimeoutError } from 'ky';
import pLimit, { type LimitFunction } from 'p-limit';
import { GatewayError } from '../errors.js';
import type { Source } from '../model.js';

export interface UpstreamHttpOptions {
  source: Source;
  baseUrl: string;
  /** Sent on every request (auth, versions). */
  headers: Record<string, string>;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: number;
  /** Most requests in flight to this source at once, per gateway process. */
  concurrency: number;
  /** For unit tests of a client; the gateway uses the global fetch. */
  fetch?: typeof fetch;
}

export interface UpstreamResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  searchParams?: Record<string, string | number | undefined>;
  json?: unknown;
  /** Statuses answered as data (`body: null`) rather than as errors, e.g. 404 for a plain miss. */
  allow?: number[];
}

/**
 * The one way upstream code talks HTTP: a ky instance per source plus a concurrency cap, translating every failure
 * into a GatewayError whose message carries no URL, token or upstream body (ky's own messages contain the URL).
 */
export class UpstreamHttp {
  readonly source: Source;
  private readonly ky: KyInstance;
  private readonly limit: LimitFunction;

  constructor(options: UpstreamHttpOptions) {
    this.source = options.source;
    this.limit = pLimit(options.concurrency);
    const kyOptions: Options = {
      prefixUrl: options.baseUrl,
      headers: { Accept: 'application/json', ...options.headers },
      timeout: options.timeoutMs,
      retry: 0,
      throwHttpErrors: true,
    };
    if (options.fetch) kyOptions.fetch = options.fetch;
    this.ky = ky.create(kyOptions);
  }

  request<T>(path: string, options: RequestOptions = {}): Promise<UpstreamResponse<T | null>> {
    return this.limit(() => this.send<T>(path, options));
  }

  private async send<T>(path: string, options: RequestOptions): Promise<UpstreamResponse<T | null>> {
    const searchParams: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.searchParams ?? {})) {
      if (value !== undefined) searchParams[key] = String(value);
    }
    let response: Response;
    try {
      response = await this.ky(path.replace(/^\//, ''), {
        method: options.method ?? 'GET',
        searchParams,
        ...(options.json === undefined ? {} : { json: options.json }),
      });
    } catch (error) {
      if (error instanceof HTTPError && options.allow?.includes(error.response.status)) {
        await error.response.body?.cancel();
        return { status: error.response.status, headers: error.response.headers, body: null };
      }
      throw this.translate(error);
    }
    const text = await response.text();
    try {
      return { status: response.status, headers: response.headers, body: JSON.parse(text) as T };
    } catch {
      throw GatewayError.upstream('UPSTREAM_BAD_RESPONSE', this.source, `${path}: body is not JSON`);
    }
  }

  private translate(error: unknown): GatewayError {
    if (error instanceof GatewayError) return error;
    if (error instanceof HTTPError) {
      const status = error.response.status;
      void error.response.body?.cancel().catch(() => {});
      const detail = `HTTP ${status}`;
      if (status === 401 || status === 402 || status === 403) {
        return GatewayError.upstream('UPSTREAM_UNAUTHORIZED', this.source, detail);
      }
      if (status === 429) return GatewayError.upstream('UPSTREAM_RATE_LIMITED', this.source, detail);
      if (status === 408) return GatewayError.upstream('UPSTREAM_TIMEOUT', this.source, detail);
      if (status >= 500) return GatewayError.upstream('UPSTREAM_UNAVAILABLE', this.source, detail);
      return GatewayError.upstream('UPSTREAM_BAD_RESPONSE', this.source, detail);
    }
    if (error instanceof TimeoutError) return GatewayError.upstream('UPSTREAM_TIMEOUT', this.source, 'timeout');
    // Network failures (fetch's TypeError): connection refused, reset, DNS.
    return GatewayError.upstream('UPSTREAM_UNAVAILABLE', this.source, error instanceof Error ? error.name : 'error');
  }
}

/** A response that is JSON but not the shape we rely on. */
export function badShape(source: Source, what: string): GatewayError {
  return GatewayError.upstream('UPSTREAM_BAD_RESPONSE', source, what);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

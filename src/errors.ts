import type { Source } from './model.js';

/** The error codes of the public contract (shared/design/contract.graphql). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'SOURCE_NOT_CONFIGURED'
  | 'UPSTREAM_UNAUTHORIZED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'INTERNAL_SERVER_ERROR';

const PUBLIC_MESSAGES: Record<string, string> = {
  // The gateway's own key, or a caller's own (X-Backside-Api-Key): the message must fit both.
  UPSTREAM_UNAUTHORIZED: 'refused the credentials this request was sent with (missing, invalid, or without the scope)',
  UPSTREAM_TIMEOUT: 'did not answer in time',
  UPSTREAM_UNAVAILABLE: 'is unavailable',
  UPSTREAM_RATE_LIMITED: 'is rate limiting the gateway',
  UPSTREAM_BAD_RESPONSE: 'sent a response the gateway could not read',
  SOURCE_NOT_CONFIGURED: 'is not configured on this gateway',
};

const SOURCE_NAMES: Record<Source, string> = { BACKSIDE: 'Backside', INTERCOM: 'Intercom' };

/**
 * An expected failure with a public code. Its message is written by us and safe to show: it never holds an upstream
 * URL, token or body. Upstream details for operators go in `detail`, which is never sent to clients.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly source: Source | undefined;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: { source?: Source; detail?: string } = {}) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.source = options.source;
    this.detail = options.detail;
  }

  static upstream(code: ErrorCode, source: Source, detail?: string): GatewayError {
    const what = PUBLIC_MESSAGES[code] ?? 'failed';
    return new GatewayError(
      code,
      `${SOURCE_NAMES[source]} ${what}.`,
      detail === undefined ? { source } : { source, detail },
    );
  }

  static badInput(message: string): GatewayError {
    return new GatewayError('BAD_USER_INPUT', message);
  }

  static notConfigured(source: Source): GatewayError {
    return GatewayError.upstream('SOURCE_NOT_CONFIGURED', source);
  }
}

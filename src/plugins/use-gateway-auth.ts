import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createInlineSigningKeyProvider, createRemoteJwksSigningKeyProvider, useJWT } from '@graphql-yoga/plugin-jwt';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin, type YogaLogger } from 'graphql-yoga';
import { WRITE_SCOPE } from '../defaults.js';

export interface JwtOptions {
  /** A shared secret (HS256 and kin) or a JWKS URL (RS256, ES256 and kin): exactly one. */
  secret?: string | undefined;
  jwksUri?: string | undefined;
  issuer: string;
  audience: string;
  /** The one algorithm accepted (pinned: no "none", no algorithm confusion). */
  algorithm: 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';
  /** Refuse a token without an `exp` claim (it would be good forever); default true. */
  requireExp?: boolean | undefined;
}

export interface GatewayAuthOptions {
  /** API keys for server-to-server callers, sent as `X-Api-Key`; compared in constant time. Reads and writes. */
  apiKeys: string[];
  /** API keys that may only read (GATEWAY_API_KEYS entries suffixed `:read`, given here without the suffix). */
  readOnlyApiKeys?: string[] | undefined;
  /** JWTs as `Authorization: Bearer`; verified by @graphql-yoga/plugin-jwt. */
  jwt?: JwtOptions | undefined;
}

/**
 * Who an authenticated request comes from, set by useGatewayAuth on the server context as `caller` (so resolvers and
 * later plugins read `context.caller`). Absent when the gateway runs without auth (every caller may then write).
 */
export interface Caller {
  /** How the caller proved itself. */
  via: 'apiKey' | 'jwt';
  /**
   * A stable digest naming the caller (base64url SHA-256), never the secret itself: of the API key, or of a JWT's
   * `iss` and `sub` (a refreshed token is the same caller; a token without `sub`, of the token). Keys per-caller state such as idempotency keys.
   */
  id: string;
  /** What the caller may do: an API key's access as `contacts:read` (+ `contacts:write`); a JWT's `scope` claim. */
  scopes: readonly string[];
  /** Holds the write scope ({@link WRITE_SCOPE}): may run mutations. */
  canWrite: boolean;
}

/** The server context after useGatewayAuth accepted the request. */
export interface CallerContext {
  caller?: Caller | undefined;
}

/**
 * A JWT's scopes: its `scope` claim as OAuth 2.0 writes it (RFC 8693 §4.2: one space-separated string), or as an array
 * of strings (as some identity providers issue it); anything else holds no scope.
 */
export function jwtScopes(claims: Record<string, unknown>): string[] {
  const scope = claims.scope;
  if (typeof scope === 'string') return scope.split(/\s+/).filter(Boolean);
  if (Array.isArray(scope)) return scope.filter((item): item is string => typeof item === 'string' && item !== '');
  return [];
}

const READ_SCOPE = 'contacts:read';

function callerOf(via: Caller['via'], identity: string, scopes: string[]): Caller {
  return {
    via,
    id: createHash('sha256').update(`${via}:${identity}`).digest('base64url'),
    scopes,
    canWrite: scopes.includes(WRITE_SCOPE),
  };
}

/** The realm named in every challenge. */
const REALM = 'contact-gateway';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time membership: every key is compared, and hashing first hides lengths. */
function knownKey(candidate: string, keys: Buffer[]): boolean {
  const hashed = digest(candidate);
  let found = false;
  for (const key of keys) found = timingSafeEqual(hashed, key) || found;
  return found;
}

/** The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined for any other value or scheme. */
function bearerToken(authorization: string | null): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '');
  return match?.[1];
}

const decodePart = (part: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Why a token that failed verification failed, read from its (unverified) parts: for the caller's
 * `error_description` and the operator's log line. Fixed phrases only: nothing of the token is echoed.
 */
function whyRefused(token: string, jwt: JwtOptions): string {
  const [headerPart, claimsPart] = token.split('.');
  const header = decodePart(headerPart);
  const claims = decodePart(claimsPart);
  if (!header || !claims) return 'The token is not a JWT';
  const now = Date.now() / 1000;
  if (header.alg !== jwt.algorithm) return 'The token is signed with an algorithm this gateway does not accept';
  if (typeof claims.exp === 'number' && claims.exp <= now) return 'The token has expired';
  if (typeof claims.nbf === 'number' && claims.nbf > now) return 'The token is not valid yet';
  if (claims.iss !== jwt.issuer) return 'The token is from another issuer';
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(jwt.audience)) return 'The token is for another audience';
  return 'The token signature is not valid';
}

const keyCount = (options: GatewayAuthOptions) => options.apiKeys.length + (options.readOnlyApiKeys?.length ?? 0);

/** Server-to-server callers first (X-Api-Key), then browsers' and services' JWTs. */
function ways(options: GatewayAuthOptions): string {
  const accepted = [keyCount(options) > 0 && 'a valid X-Api-Key', options.jwt && 'a Bearer token'];
  return accepted.filter(Boolean).join(' or ');
}

/**
 * The 401's `WWW-Authenticate` (RFC 7235: a 401 must carry one): the Bearer challenge of RFC 6750 when JWTs are
 * accepted, with `error="invalid_token"` and a description when a token was sent and refused; and when API keys are
 * accepted, an `ApiKey` challenge naming the header to send one in.
 */
function challenge(options: GatewayAuthOptions, invalidToken: string | undefined): string {
  const challenges: string[] = [];
  if (options.jwt) {
    challenges.push(
      invalidToken === undefined
        ? `Bearer realm="${REALM}"`
        : `Bearer realm="${REALM}", error="invalid_token", error_description="${invalidToken}"`,
    );
  }
  if (keyCount(options) > 0) challenges.push(`ApiKey realm="${REALM}", header="X-Api-Key"`);
  return challenges.join(', ');
}

/** The JWT plugin, run only for a request that has no valid API key and sent a Bearer token. */
interface JwtVerifier {
  init(logger: YogaLogger, fetchAPI: unknown): void;
  /** Resolves with why the token is refused, or undefined when it is accepted (its claims then in `serverContext`). */
  verify(payload: Parameters<NonNullable<Plugin['onRequestParse']>>[0], token: string): Promise<string | undefined>;
}

function jwtVerifier(jwt: JwtOptions): JwtVerifier {
  const provider = jwt.secret
    ? createInlineSigningKeyProvider(jwt.secret)
    : createRemoteJwksSigningKeyProvider({
        jwksUri: jwt.jwksUri as string,
        // Keys are cached; a token naming an unknown key id costs the key server at most 10 requests a minute.
        rateLimit: true,
        jwksRequestsPerMinute: 10,
        timeout: 5_000,
      });
  const plugin = useJWT({
    signingKeyProviders: [provider],
    tokenLookupLocations: [
      ({ request }) => {
        const token = bearerToken(request.headers.get('authorization'));
        return token === undefined ? undefined : { prefix: 'Bearer', token };
      },
    ],
    tokenVerification: { issuer: jwt.issuer, audience: jwt.audience, algorithms: [jwt.algorithm] },
    reject: { missingToken: false, invalidToken: true },
    extendContext: 'jwt',
  }) as Plugin;
  const requireExp = jwt.requireExp !== false;
  return {
    init(logger, fetchAPI) {
      // The plugin logs a caller's bad token at warn with its stack: our own line says it once (info). What it logs
      // at error is its key server failing: an operator's matter, one line at warn.
      const quiet: YogaLogger = { debug: logger.debug, info: logger.debug, warn: logger.debug, error: logger.warn };
      plugin.onYogaInit?.({ yoga: { logger: quiet, fetchAPI } } as unknown as Parameters<
        NonNullable<Plugin['onYogaInit']>
      >[0]);
    },
    async verify(payload, token) {
      try {
        await plugin.onRequestParse?.(payload);
      } catch (error) {
        // A GraphQLError is the token's fault; anything else is the key (an unknown key id, or no key server).
        return error instanceof GraphQLError ? whyRefused(token, jwt) : 'No signing key is available for the token';
      }
      const claims = (payload.serverContext as { jwt?: { payload?: Record<string, unknown> } }).jwt?.payload;
      if (!claims) return whyRefused(token, jwt);
      if (requireExp && typeof claims.exp !== 'number') return 'The token has no exp claim';
      return undefined;
    },
  };
}

/**
 * Callers must present an API key or a JWT before anything is parsed or executed: a refused request costs no upstream
 * call. A valid `X-Api-Key` is enough on its own: an `Authorization` header beside it (a proxy's, a client library's)
 * is then not read at all, whatever it holds. Without one, a Bearer JWT must verify (algorithm, signature, issuer,
 * audience, `exp` and `nbf`; `exp` required unless `requireExp` is false). Every refusal is a 401 with a
 * `WWW-Authenticate` challenge and one info line in the log. The caller's Authorization header is never forwarded
 * upstream (upstream credentials are the gateway's own).
 *
 * An accepted request carries its {@link Caller} on the server context (`caller`): a full API key holds
 * `contacts:read contacts:write`, a read-only key `contacts:read`, a JWT the scopes of its `scope` claim. Whether that
 * allows a mutation is useWriteScope's to decide (src/plugins/use-write-scope.ts).
 */
export function useGatewayAuth(options: GatewayAuthOptions): Plugin[] {
  const keys = options.apiKeys.map(digest);
  const readOnlyKeys = (options.readOnlyApiKeys ?? []).map(digest);
  const verifier = options.jwt ? jwtVerifier(options.jwt) : undefined;
  let logger: YogaLogger | undefined;
  const refuse = (message: string, why: string, serverContext: unknown, invalidToken?: string) => {
    const from = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket?.remoteAddress;
    logger?.info(`UNAUTHENTICATED${from ? ` from ${from}` : ''}: ${why}`);
    return createGraphQLError(message, {
      extensions: {
        code: 'UNAUTHENTICATED',
        http: { status: 401, headers: { 'WWW-Authenticate': challenge(options, invalidToken) } },
      },
    });
  };
  const required = `Authentication required: send ${ways(options)}.`;
  return [
    {
      onYogaInit({ yoga }) {
        logger = yoga.logger;
        verifier?.init(yoga.logger, yoga.fetchAPI);
      },
      onRequestParse(payload) {
        const { request, serverContext } = payload;
        const apiKey = request.headers.get('x-api-key');
        const context = serverContext as CallerContext;
        if (apiKey !== null) {
          // Both lists always compared, so the time taken says nothing of which one holds the key.
          const full = knownKey(apiKey, keys);
          const readOnly = knownKey(apiKey, readOnlyKeys);
          if (full || readOnly) {
            context.caller = callerOf('apiKey', apiKey, full ? [READ_SCOPE, WRITE_SCOPE] : [READ_SCOPE]);
            return;
          }
        }
        const token = verifier ? bearerToken(request.headers.get('authorization')) : undefined;
        if (!verifier || token === undefined) {
          throw apiKey === null
            ? refuse(required, 'no credentials', serverContext)
            : refuse(`The X-Api-Key is not valid. ${required}`, 'X-Api-Key not valid', serverContext);
        }
        return verifier.verify(payload, token).then((why) => {
          if (why !== undefined)
            throw refuse(`${why}. ${required}`, `Bearer token refused: ${why}`, serverContext, why);
          const claims = (serverContext as { jwt?: { payload?: Record<string, unknown> } }).jwt?.payload ?? {};
          // A token without `sub` names no one beyond itself: it is its own caller.
          const who = typeof claims.sub === 'string' ? `${String(claims.iss)}\n${claims.sub}` : `token\n${token}`;
          context.caller = callerOf('jwt', who, jwtScopes(claims));
        });
      },
    },
  ];
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { createInlineSigningKeyProvider, createRemoteJwksSigningKeyProvider, useJWT } from '@graphql-yoga/plugin-jwt';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface JwtOptions {
  /** A shared secret (HS256 and kin) or a JWKS URL (RS256, ES256 and kin): exactly one. */
  secret?: string | undefined;
  jwksUri?: string | undefined;
  issuer: string;
  audience: string;
  /** The one algorithm accepted (pinned: no "none", no algorithm confusion). */
  algorithm: 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';
}

export interface GatewayAuthOptions {
  /** API keys for server-to-server callers, sent as `X-Api-Key`; compared in constant time. */
  apiKeys: string[];
  /** JWTs as `Authorization: Bearer`; verified by @graphql-yoga/plugin-jwt. */
  jwt?: JwtOptions | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time membership: every key is compared, and hashing first hides lengths. */
function knownKey(candidate: string, keys: Buffer[]): boolean {
  const hashed = digest(candidate);
  let found = false;
  for (const key of keys) found = timingSafeEqual(hashed, key) || found;
  return found;
}

const unauthenticated = () =>
  createGraphQLError('Authentication required: send a valid X-Api-Key or a Bearer token.', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });

/**
 * Callers must present an API key or a JWT before anything is parsed or executed: a refused request costs no upstream
 * call. The caller's Authorization header is never forwarded upstream (upstream credentials are the gateway's own).
 */
export function useGatewayAuth(options: GatewayAuthOptions): Plugin[] {
  const keys = options.apiKeys.map(digest);
  const plugins: Plugin[] = [];
  const jwt = options.jwt;
  if (jwt) {
    const provider = jwt.secret
      ? createInlineSigningKeyProvider(jwt.secret)
      : createRemoteJwksSigningKeyProvider({ jwksUri: jwt.jwksUri as string });
    plugins.push(
      useJWT({
        signingKeyProviders: [provider],
        tokenVerification: { issuer: jwt.issuer, audience: jwt.audience, algorithms: [jwt.algorithm] },
        reject: { missingToken: false, invalidToken: true },
        extendContext: 'jwt',
      }) as Plugin,
    );
  }
  plugins.push({
    onRequestParse({ request, serverContext }) {
      const apiKey = request.headers.get('x-api-key');
      if (apiKey && knownKey(apiKey, keys)) return;
      if (jwt && (serverContext as { jwt?: unknown }).jwt) return;
      throw unauthenticated();
    },
  });
  return plugins;
}

// The real gateway over the loopback fakes: what every integration test runs against.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEMO_BACKSIDE_API_KEY,
  DEMO_INTERCOM_TOKEN,
  type DemoUpstreams,
  startDemoUpstreams,
} from '../../src/demo/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/yoga.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface Stack {
  upstreams: DemoUpstreams;
  gateway: Gateway;
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Upstream calls since the last reset, per source. */
  calls(): { backside: number; intercom: number };
  reset(): void;
  close(): Promise<void>;
}

export async function startStack(
  options: { sources?: ('BACKSIDE' | 'INTERCOM')[]; gateway?: Partial<GatewayOptions> } = {},
): Promise<Stack> {
  const upstreams = await startDemoUpstreams();
  const sources = options.sources ?? ['BACKSIDE', 'INTERCOM'];
  const gateway = createGateway({
    backside: sources.includes('BACKSIDE')
      ? { baseUrl: upstreams.backside.url, apiKey: DEMO_BACKSIDE_API_KEY }
      : undefined,
    intercom: sources.includes('INTERCOM')
      ? { baseUrl: upstreams.intercom.url, accessToken: DEMO_INTERCOM_TOKEN, version: '2.16' }
      : undefined,
    upstream: { timeoutMs: 5000, concurrency: 8 },
    defaultRegion: 'US',
    graphiql: false,
    logging: false,
    ...options.gateway,
  });
  return {
    upstreams,
    gateway,
    async query(query, variables) {
      const response = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<any>;
    },
    calls: () => ({ backside: upstreams.backside.calls.length, intercom: upstreams.intercom.calls.length }),
    reset() {
      upstreams.backside.reset();
      upstreams.intercom.reset();
    },
    close: () => upstreams.close(),
  };
}

/** Every contract field of a contact, children included. */
export const CONTACT_FIELDS = `
  id source sourceId kind role displayName givenName familyName middleName nickname prefix suffix
  email phone avatarUrl bio language timezone externalId createdAt updatedAt deletedAt lastSeenAt customAttributes
  addresses { id label street extended poBox city region postalCode country countryCode latitude longitude isPrimary formatted }
  channels { id type sourceType label value canonicalValue isPrimary isVerified preferenceOrder }
  tags { id source sourceId name color description }
  companies { id source sourceId name website industry size createdAt updatedAt customAttributes }
  affiliations { title role department description isCurrent startDate endDate company { id name } }
  notes { id source sourceId body text authorName createdAt }
  dates { type sourceType label day month year date }
`;

/** The gateway behind a real HTTP server on 127.0.0.1 (a free port), for tests that need sockets, not `fetch`. */
export async function serveOnLoopback(
  gateway: Gateway,
): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

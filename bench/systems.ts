// The systems under benchmark: how to start each, given its port and the upstream URLs.
import { join } from 'node:path';
import { DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN } from '../src/demo/seed.js';
import type { QueryName } from './queries.js';
import type { Dialect } from './varied.js';

export interface System {
  command(
    port: number,
    backside: string,
    intercom: string,
  ): { command: string; args: string[]; env?: Record<string, string> };
  /**
   * A peer whose schema is not ours asks the same thing in its own schema's words; null: it cannot serve that query
   * (the row says so). Queries not named here are sent as written in bench/queries.ts.
   */
  queries?: Partial<Record<QueryName, string | null>>;
  /** How the varied workloads (bench/varied.ts) are asked in its schema; default ours. */
  dialect?: Dialect;
  /** The path of its GraphQL endpoint, when not /graphql. */
  path?: string;
  /** The stdout line that says it is ready to serve; default /^ready/ (peers print `ready <pid>`). */
  ready?: RegExp;
  /**
   * Whose memory counts: 'tree', every process from the spawned one down (it is the system itself, with any workers);
   * default, the pids in its ready line, else the leaves of its process tree (npx and tsx's launchers are not).
   */
  measure?: 'tree';
}

/**
 * Ours runs as it is deployed: the real entry point, bundled by `npm run build` (bench/run.ts builds first) and run by
 * plain node with the heap capped as the README advises (V8 otherwise lets garbage grow the heap far past the live
 * data before it collects), configured through the environment like any deployment. Auth is off as for every peer.
 */
export const OURS_NODE_FLAGS = (process.env.OURS_NODE_FLAGS ?? '--max-old-space-size=128').split(' ').filter(Boolean);

function ours(extra: Record<string, string> = {}, entry = 'dist/index.mjs'): System {
  return {
    command: (port, backside, intercom) => ({
      command: 'node',
      args: [...OURS_NODE_FLAGS, entry],
      env: {
        NODE_ENV: 'production',
        PORT: String(port),
        BACKSIDE_BASE_URL: backside,
        BACKSIDE_API_KEY: DEMO_BACKSIDE_API_KEY,
        INTERCOM_BASE_URL: intercom,
        INTERCOM_ACCESS_TOKEN: DEMO_INTERCOM_TOKEN,
        GATEWAY_AUTH: 'disabled',
        UPSTREAM_CONCURRENCY: '64',
        QUERY_MAX_COST: '100000',
        ...extra,
      },
    }),
    ready: /^GraphiQL at /,
    measure: 'tree',
  };
}

/**
 * Tailcall (bench/peers/tailcall.graphql, the same for both versions; `version` picks the binary that
 * bench/peers/tailcall.ts runs) with our schema's field names. Its config cannot branch on an argument, so each source
 * is its own root field and the queries name it: intercomContact(sourceId:) for contactBySourceId(source: INTERCOM,
 * ...), intercomContacts(first:) and backsideContacts(first:) for contacts(first:, sources: [...]); below the root
 * field each asks exactly what bench/queries.ts asks.
 */
function tailcall(dedupe: boolean, version: '1.0' | '1.6' = '1.0'): System {
  return {
    command: (port, backside, intercom) => ({
      command: 'npx',
      args: [
        'tsx',
        'bench/peers/tailcall.ts',
        String(port),
        backside,
        intercom,
        '--version',
        version,
        ...(dedupe ? ['--dedupe'] : []),
      ],
    }),
    dialect: 'tailcall',
    queries: {
      A: `query A { intercomContact(sourceId: "5ba682d23d7cf92bef87bfd4") {
      id displayName email phone createdAt updatedAt
      addresses { formatted } channels { type value } tags { id name } companies { id name website }
      affiliations { isCurrent company { name } } notes { text createdAt } dates { type } customAttributes
    } }`,
      B: 'query B { intercomContacts(first: 50) { nodes { id displayName tags { id name } companies { id name } } } }',
      C: `query C { backsideContacts(first: 50) { nodes {
      id displayName channels { type value } tags { id name } companies { id name }
    } } }`,
    },
  };
}

export const SYSTEMS = {
  ours: ours(),
  // Opt-in: whole answers kept for a second, per upstream credential.
  'ours-cache': ours({ RESPONSE_CACHE_TTL_MS: '1000' }),
  // Ablation: identical operations in flight each execute (upstream reads in flight are still shared).
  'ours-no-opdedupe': ours({ OPERATION_DEDUPE: 'off' }),
  // Two serving processes behind the port (node:cluster); the primary's memory counts too.
  'ours-2proc': ours({ WORKERS: '2' }),
  // Ours as built in another checkout of this repository (OURS_BASELINE_DIR, with its `npm ci` and `npm run build`
  // done): an earlier commit measured beside the current one in the same run.
  'ours-baseline': ours({}, join(process.env.OURS_BASELINE_DIR ?? '.', 'dist/index.mjs')),
  // Hive Gateway over the schema Mesh generates from Intercom's OpenAPI description (bench/peers/hive.ts): the same
  // data asked in that schema's words. Tag, company and note names come through @resolveTo links to the spec's own
  // findTag, RetrieveACompanyById and listNotes (bench/peers/hive-mesh.config.ts). ListContacts has no per_page
  // parameter in the spec; Intercom's default page is 50.
  hive: {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'npx',
      args: ['tsx', 'bench/peers/hive.ts', String(port), backside, intercom],
      env: { NODE_ENV: 'production' },
    }),
    dialect: 'hive',
    queries: {
      A: `query A { ShowContact(contact_id: "5ba682d23d7cf92bef87bfd4") { ... on ShowContact_200_response {
        id name email phone created_at updated_at location { city region country } custom_attributes
        tags { data { id tag { ... on tag_basic { id name } } } }
        companies { data { id company { ... on Company { id name website } } } }
        note_list { ... on note_list { data { body created_at } } }
      } } }`,
      B: `query B { ListContacts { ... on Contact_List { data {
        id name tags { data { id tag { ... on tag_basic { id name } } } }
        companies { data { id company { ... on Company { id name } } } }
      } } } }`,
      // Backside publishes no OpenAPI description (shared/upstreams has only Intercom's), so there is nothing for
      // Mesh to generate a Backside subgraph from.
      C: null,
      D: 'query D { __typename }',
    },
  },
  // Tailcall 1.0: one nested @http call per item (tag and company names from /tags/{id} and /companies/{id}), without
  // and with its dedupe (`dedupe: true` on every @http: identical calls made once per request and shared in flight
  // across requests). Ids, dates and a few other values stay as the upstreams write them (bench/peers/tailcall.graphql).
  tailcall: tailcall(false),
  'tailcall-dedupe': tailcall(true),
  // Tailcall 1.6.14, the newest release the npm registry serves (package alias tailcall-1.6), on the same config and
  // queries as 1.0, without and with dedupe. Its binary wants glibc 2.39; bench/peers/tailcall.ts runs a copy whose
  // three references to glibc 2.38/2.39 symbols point at the system's (see loadableOnOldGlibc there).
  tailcall16: tailcall(false, '1.6'),
  'tailcall16-dedupe': tailcall(true, '1.6'),
  // The hand-written floor (bench/peers/floor.ts): no GraphQL, the same JSON as ours (ours' own mappers), the calls the
  // APIs force made in parallel over keep-alive undici Pools, the tag list kept a minute, identical GETs in flight
  // shared across requests as ours shares them; nothing else kept.
  floor: {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'npx',
      args: ['tsx', 'bench/peers/floor.ts', String(port), backside, intercom],
    }),
    dialect: 'floor',
  },
  apollo: {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'npx',
      args: ['tsx', 'bench/peers/apollo.ts', String(port), backside, intercom],
      env: { NODE_ENV: 'production' },
    }),
    dialect: 'apollo',
  },
} as Record<string, System>;

// The systems under benchmark: how to start each, given its port and the upstream URLs.
import { DEMO_BACKSIDE_API_KEY, DEMO_INTERCOM_TOKEN } from '../src/demo/seed.js';
import type { QueryName } from './queries.js';

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
export const OURS_NODE_FLAGS = ['--max-old-space-size=128'];

function ours(extra: Record<string, string> = {}): System {
  return {
    command: (port, backside, intercom) => ({
      command: 'node',
      args: [...OURS_NODE_FLAGS, 'dist/index.mjs'],
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

export const SYSTEMS = {
  ours: ours(),
  // Opt-in: whole answers kept for a second, per upstream credential.
  'ours-cache': ours({ RESPONSE_CACHE_TTL_MS: '1000' }),
  // Ablation: identical operations in flight each execute (upstream reads in flight are still shared).
  'ours-no-opdedupe': ours({ OPERATION_DEDUPE: 'off' }),
  // Two serving processes behind the port (node:cluster); the primary's memory counts too.
  'ours-2proc': ours({ WORKERS: '2' }),
  floor: {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'npx',
      args: ['tsx', 'bench/peers/floor.ts', String(port), backside, intercom],
    }),
  },
  apollo: {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'npx',
      args: ['tsx', 'bench/peers/apollo.ts', String(port), backside, intercom],
      env: { NODE_ENV: 'production' },
    }),
  },
} as Record<string, System>;

// The systems under benchmark: how to start each, given its port and the upstream URLs.
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
}

/**
 * Ours runs as it is deployed: bundled to JavaScript (bench/run.ts builds bench/out/gateway.mjs first) under plain
 * node, with the heap capped as the README advises for production (V8 otherwise lets garbage grow the heap far past
 * the live data before it collects). tsx, the development runner, adds ~50 MB of its own.
 */
export const OURS_NODE_FLAGS = ['--max-old-space-size=128'];

export const SYSTEMS = {
  ours: {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'node',
      args: [...OURS_NODE_FLAGS, 'bench/out/gateway.mjs', String(port), backside, intercom],
      env: { NODE_ENV: 'production' },
    }),
  },
  'ours-cache': {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'node',
      args: [...OURS_NODE_FLAGS, 'bench/out/gateway.mjs', String(port), backside, intercom],
      env: { NODE_ENV: 'production', BENCH_RESPONSE_CACHE_MS: '1000' },
    }),
  },
  // Ablation: identical operations in flight each execute (upstream reads in flight are still shared).
  'ours-no-opdedupe': {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'node',
      args: [...OURS_NODE_FLAGS, 'bench/out/gateway.mjs', String(port), backside, intercom],
      env: { NODE_ENV: 'production', BENCH_OPERATION_DEDUPE: 'off' },
    }),
  },
  'ours-2proc': {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'node',
      args: [...OURS_NODE_FLAGS, 'bench/out/gateway.mjs', String(port), backside, intercom],
      env: { NODE_ENV: 'production', BENCH_WORKERS: '2' },
    }),
  },
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

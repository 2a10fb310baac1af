// The systems under benchmark: how to start each, given its port and the upstream URLs.
export interface System {
  command(
    port: number,
    backside: string,
    intercom: string,
  ): { command: string; args: string[]; env?: Record<string, string> };
}

export const SYSTEMS = {
  ours: {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'npx',
      args: ['tsx', 'bench/gateway.ts', String(port), backside, intercom],
      env: { NODE_ENV: 'production' },
    }),
  },
  'ours-cache': {
    command: (port: number, backside: string, intercom: string) => ({
      command: 'npx',
      args: ['tsx', 'bench/gateway.ts', String(port), backside, intercom],
      env: { NODE_ENV: 'production', BENCH_RESPONSE_CACHE_MS: '1000' },
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

// The built-in demo upstreams: both fakes on loopback with the seeded data. Used by `npm start` without
// credentials, by the integration tests and by the benchmarks.
import { startBacksideFake } from './backside-server.js';
import type { FakeUpstream } from './http.js';
import { startIntercomFake } from './intercom-server.js';
import { createSeed, type Seed } from './seed.js';

export { startBacksideFake } from './backside-server.js';
export type { FakeUpstream, Interceptor, RecordedCall } from './http.js';
export { startIntercomFake } from './intercom-server.js';
export { createSeed, type Seed, SHARED_PEOPLE, type SharedPerson } from './seed.js';

export const DEMO_BACKSIDE_API_KEY = 'bsk_test_demo';
export const DEMO_BACKSIDE_OTHER_KEY = 'bsk_test_other';
export const DEMO_INTERCOM_TOKEN = 'ic_test_demo';

export interface DemoUpstreams {
  backside: FakeUpstream;
  intercom: FakeUpstream;
  seed: Seed;
  close(): Promise<void>;
}

export async function startDemoUpstreams(
  options: { latencyMs?: number; backsidePort?: number; intercomPort?: number; seed?: Seed } = {},
): Promise<DemoUpstreams> {
  const seed = options.seed ?? createSeed();
  const [backside, intercom] = await Promise.all([
    startBacksideFake(seed, { port: options.backsidePort, latencyMs: options.latencyMs }),
    startIntercomFake(seed, { port: options.intercomPort, latencyMs: options.latencyMs }),
  ]);
  return {
    backside,
    intercom,
    seed,
    close: async () => {
      await Promise.all([backside.close(), intercom.close()]);
    },
  };
}

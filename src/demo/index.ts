// The built-in demo upstreams: both fakes on loopback with the seeded data. Used by `npm start` without
// credentials, by the integration tests and by the benchmarks. Nothing here reads process.env: the app edge does.
import { type BacksideFake, startBacksideFake } from './backside-server.js';
import { type IntercomFake, startIntercomFake } from './intercom-server.js';
import { createSeed, type Seed } from './seed.js';

export {
  type AssumedWrites,
  type BacksideControl,
  type BacksideFake,
  startBacksideFake,
} from './backside-server.js';
export type { CallMatch, FakeUpstream, Interceptor, RecordedCall } from './http.js';
export { type IntercomControl, type IntercomFake, startIntercomFake } from './intercom-server.js';
export {
  createSeed,
  DEMO_BACKSIDE_API_KEY,
  DEMO_BACKSIDE_OTHER_KEY,
  DEMO_BACKSIDE_READONLY_KEY,
  DEMO_INTERCOM_ADMIN_ID,
  DEMO_INTERCOM_CLIENT_SECRET,
  DEMO_INTERCOM_TOKEN,
  type Seed,
  SHARED_PEOPLE,
  type SharedPerson,
} from './seed.js';

export interface DemoUpstreams {
  backside: BacksideFake;
  intercom: IntercomFake;
  seed: Seed;
  close(): Promise<void>;
}

export interface DemoUpstreamsOptions {
  /** Fixed delay before each answer of both fakes (benchmarks use 0 and 20). */
  latencyMs?: number;
  /** 0 or absent: a free port. */
  backsidePort?: number;
  intercomPort?: number;
  /** Defaults to `createSeed()`. */
  seed?: Seed;
}

export async function startDemoUpstreams(options: DemoUpstreamsOptions = {}): Promise<DemoUpstreams> {
  const seed = options.seed ?? createSeed();
  const fakeOptions = (port: number | undefined) => ({ port, latencyMs: options.latencyMs });
  const [backside, intercom] = await Promise.allSettled([
    startBacksideFake(seed, fakeOptions(options.backsidePort)),
    startIntercomFake(seed, fakeOptions(options.intercomPort)),
  ]);
  if (backside.status === 'rejected' || intercom.status === 'rejected') {
    // One port was taken: do not leave the other fake listening.
    await Promise.all(
      [backside, intercom].map((started) => (started.status === 'fulfilled' ? started.value.close() : null)),
    );
    throw backside.status === 'rejected' ? backside.reason : (intercom as PromiseRejectedResult).reason;
  }
  return {
    backside: backside.value,
    intercom: intercom.value,
    seed,
    close: async () => {
      await Promise.all([backside.value.close(), intercom.value.close()]);
    },
  };
}

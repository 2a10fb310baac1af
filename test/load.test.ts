// A bounded load test: 200 concurrent connections for a few seconds, half asking Backside, half asking Intercom
// while Intercom fails or stalls on a third of its calls. No 5xx, and Backside's callers barely notice.
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, serveOnLoopback, startStack } from './helpers/stack.js';

let stack: Stack;
let served: Awaited<ReturnType<typeof serveOnLoopback>>;
let url: string;
beforeAll(async () => {
  stack = await startStack({
    gateway: {
      upstream: {
        timeoutMs: 200,
        retries: 1,
        backoffMs: 10,
        maxBackoffMs: 20,
        breakerThreshold: 1000,
        concurrency: 64,
      },
    },
  });
  served = await serveOnLoopback(stack.gateway);
  url = served.url;
});
afterAll(async () => {
  await served.close();
  await stack.close();
});

const BACKSIDE = JSON.stringify({
  query: '{ contacts(first: 10, sources: [BACKSIDE]) { nodes { displayName tags { name } } } }',
});
const INTERCOM = JSON.stringify({
  query: '{ contacts(first: 10, sources: [INTERCOM]) { nodes { displayName tags { name } } } }',
});

function drive(body: string, connections: number, seconds: number) {
  return autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body,
  });
}

describe('under load with one source failing', () => {
  it('answers every request without a 5xx and keeps the healthy source’s p99', async () => {
    await drive(BACKSIDE, 100, 1); // warm-up: JIT and connection pools
    // The control: the same mixed load with both sources healthy.
    const [control] = await Promise.all([drive(BACKSIDE, 100, 3), drive(INTERCOM, 100, 3)]);
    let n = 0;
    stack.upstreams.intercom.use((_req, res) => {
      n += 1;
      if (n % 3 === 0) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"type":"error.list","errors":[{"code":"server_error","message":"boom"}]}');
        return true;
      }
      if (n % 3 === 1) return true; // stalls until the gateway's timeout
      return false;
    });
    const [healthy, faulty] = await Promise.all([drive(BACKSIDE, 100, 3), drive(INTERCOM, 100, 3)]);
    console.info(
      `[load] Backside p99 beside a healthy Intercom ${control.latency.p99} ms, beside a failing one ${healthy.latency.p99} ms ` +
        `(${healthy.requests.total} requests); the failing side ${faulty.requests.total} requests, p99 ${faulty.latency.p99} ms`,
    );
    for (const result of [control, healthy, faulty]) {
      expect(result.errors).toBe(0);
      expect(result['5xx']).toBe(0);
      expect(result.requests.total).toBeGreaterThan(20);
    }
    // Intercom's stalls and errors must not reach Backside's callers (the machine's CPU is shared by all of it).
    expect(healthy.latency.p99).toBeLessThan(control.latency.p99 * 2 + 300);
  });
});

// The loopback fakes in their own process for benchmarks, with a control port: GET /calls, POST /reset.
// Prints one JSON line {backside, intercom, control} when ready. Usage: tsx bench/upstreams.ts <latencyMs>
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDemoUpstreams } from '../src/demo/index.js';

const latencyMs = Number(process.argv[2] ?? 0);
const upstreams = await startDemoUpstreams({ latencyMs });

// Benchmarks count calls but must not hold every request in memory: count, then drop the records.
let counted = { backside: 0, intercom: 0 };
const drain = () => {
  counted = {
    backside: counted.backside + upstreams.backside.calls.length,
    intercom: counted.intercom + upstreams.intercom.calls.length,
  };
  upstreams.backside.reset();
  upstreams.intercom.reset();
};
setInterval(drain, 200).unref();

const control = createServer((req, res) => {
  drain();
  if (req.method === 'POST' && req.url === '/reset') counted = { backside: 0, intercom: 0 };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(counted));
});
control.listen(0, '127.0.0.1', () => {
  const { port } = control.address() as AddressInfo;
  console.log(
    JSON.stringify({
      backside: upstreams.backside.url,
      intercom: upstreams.intercom.url,
      control: `http://127.0.0.1:${port}`,
    }),
  );
});
process.on('SIGTERM', () => {
  void upstreams.close().then(() => process.exit(0));
});

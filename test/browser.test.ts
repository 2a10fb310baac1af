// GraphiQL in a real browser: Debian's chromium (driven by playwright-core) opens the page the real entry point
// serves in demo mode, every request it makes stays on this machine, and Run answers the ready query.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MUTATION, DEFAULT_QUERY } from '../src/default-query.js';
import { createGateway } from '../src/yoga.js';
import { waitFor } from './helpers/processes.js';
import { startStack } from './helpers/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
const found = existsSync(CHROMIUM);
// In CI a missing browser is a failure (.ci/run installs it); on a laptop without it the browser test is skipped.
const browserIt = found || process.env.CI ? it : it.skip;

let child: ChildProcess | undefined;
let browser: Browser | undefined;
let origin = '';

beforeAll(async () => {
  if (!found) return;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
  for (const name of ['BACKSIDE_API_KEY', 'INTERCOM_ACCESS_TOKEN', 'GATEWAY_AUTH', 'WORKERS']) delete env[name];
  child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [launched, [, port]] = await Promise.all([
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
        '--no-first-run',
        '--metrics-recording-only',
        '--disable-dev-shm-usage',
      ],
    }),
    waitFor(() => output, /GraphiQL at http:\/\/localhost:(\d+)\/graphql/, 15_000),
  ]);
  browser = launched;
  origin = `http://localhost:${port}`;
}, 30_000);

afterAll(async () => {
  await browser?.close();
  child?.kill('SIGKILL');
});

/** A page that records the URL of every request it makes (workers', favicon's and script-made ones included). */
async function openPage(path: string): Promise<{ page: Page; requested: string[] }> {
  if (!browser) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`);
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  const page = await context.newPage();
  await page.goto(`${origin}${path}`);
  return { page, requested };
}

/** Everything left this machine? data: and blob: URLs are made in the page; the rest must be the gateway. */
function offMachine(urls: string[]): string[] {
  return urls.filter((url) => {
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:') return false;
    return !['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  });
}

/** What an editor shows (Monaco writes spaces as no-break spaces). */
const text = async (locator: Locator) => (await locator.innerText()).replaceAll('\u00a0', ' ');

/** Clicks Run and waits for the gateway's answer and for the result pane to show it. */
async function run(page: Page, expected: string): Promise<string> {
  const execute = page.locator('.graphiql-execute-button');
  await execute.waitFor({ state: 'visible', timeout: 15_000 });
  const answer = page.waitForResponse(
    (response) => new URL(response.url()).pathname === '/graphql' && response.request().method() === 'POST',
  );
  // Introspection also POSTs /graphql: wait until the schema is in (the docs button is enabled) before running.
  await page.waitForFunction(() => !document.querySelector('.graphiql-execute-button[disabled]'));
  await execute.click();
  let body = await (await answer).text();
  // The first POST caught may still be introspection; keep the one that answers our operation.
  while (body.includes('__schema'))
    body = await (await page.waitForResponse((r) => r.request().method() === 'POST')).text();
  await expect.poll(() => text(page.locator('.graphiql-response')), { timeout: 10_000 }).toContain(expected);
  return body;
}

describe('GraphiQL in a browser', () => {
  browserIt(
    'opens with the ready query, loads nothing from another host, and Run shows contacts',
    async () => {
      if (!found) throw new Error(`no browser at ${CHROMIUM}: CI must install Debian's chromium before npm test`);
      const started = Date.now();
      const { page, requested } = await openPage('/graphql');
      const editor = page.locator('.graphiql-query-editor');
      await expect.poll(() => text(editor), { timeout: 15_000 }).toMatch(/One page of contacts from each source/);
      // The ready mutation waits in a second tab; the first (active) one is the ready query.
      expect(await page.locator('.graphiql-tab').allInnerTexts()).toEqual(['Contacts', 'TagAContact']);
      // The result pane renders only what is in view: wait for a name near its top, then read the whole answer.
      const body = await run(page, 'Board of Advisors');
      const answer = JSON.parse(body) as {
        data: {
          sources: { source: string; configured: boolean }[];
          backside: { nodes: { source: string; displayName: string }[] };
          intercom: { nodes: { source: string; displayName: string }[] };
        };
        errors?: unknown;
      };
      expect(answer.errors).toBeUndefined();
      expect(answer.data.sources).toEqual([
        { source: 'BACKSIDE', configured: true },
        { source: 'INTERCOM', configured: true },
      ]);
      // Both sources' contacts in the result pane of the ready query.
      expect(answer.data.backside.nodes.map((node) => node.displayName)).toEqual(
        expect.arrayContaining(['Board of Advisors', 'Acme Robotics']),
      );
      expect(answer.data.intercom.nodes.map((node) => node.displayName)).toEqual(
        expect.arrayContaining(['Oliver Müller', 'Omar Patel']),
      );
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}/graphiql.png` });

      // Headless chromium does not fetch the favicon: the page names the gateway's, and the gateway serves it.
      const icon = await page.evaluate(() => (document.querySelector('link[rel=icon]') as HTMLLinkElement).href);
      expect(icon).toMatch(new RegExp(`^${origin}/graphiql/[^/]+/favicon\\.ico$`));
      const favicon = await page.request.get(icon);
      expect([favicon.status(), favicon.headers()['content-type'], (await favicon.body()).length > 1000]).toEqual([
        200,
        'image/x-icon',
        true,
      ]);

      const all = requested;
      expect(offMachine(all)).toEqual([]);
      // The styles, the script and Monaco's workers all came from the gateway.
      for (const file of ['graphiql.css', 'graphiql.js', 'editor.worker.js', 'graphql.worker.js', 'json.worker.js']) {
        expect(all.some((url) => url.startsWith(`${origin}/graphiql/`) && url.endsWith(`/${file}`))).toBe(true);
      }
      console.log(`GraphiQL: page, ready query and a run in ${Date.now() - started} ms`);
    },
    30_000,
  );
});

describe('GraphiQL page', () => {
  it('opens the ready query in the first tab and the ready mutation in a second', async () => {
    const gateway = createGateway({ graphiql: { defaultQuery: DEFAULT_QUERY }, logging: false, defaultRegion: 'US' });
    const page = await (
      await gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } })
    ).text();
    const options = JSON.parse(/renderYogaGraphiQL\([^,]+, (.*)\);<\/script>/.exec(page)?.[1] ?? '{}');
    expect(options.defaultQuery).toBe(DEFAULT_QUERY);
    expect(options.defaultTabs).toEqual([{ query: DEFAULT_QUERY }, { query: DEFAULT_MUTATION }]);
    expect(DEFAULT_MUTATION).toMatch(/^mutation TagAContact \{/m);
  });

  it('the ready mutation runs on the demo data: one tag added, one update refused with userErrors', async () => {
    const stack = await startStack();
    try {
      const answer = await stack.query(DEFAULT_MUTATION);
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.tagged).toEqual({
        contact: {
          id: 'Q29udGFjdDpJTlRFUkNPTToxOGNjYTQyMWZkNDQ5NjE2MDJiNTUxZmI',
          displayName: 'Oliver Müller',
          tags: [{ name: 'VIP' }],
        },
        userErrors: [],
      });
      expect(answer.data?.refused).toEqual({
        contact: null,
        userErrors: [{ field: ['input', 'email'], message: expect.any(String), code: 'INVALID' }],
      });
    } finally {
      await stack.close();
    }
  });

  it('with auth on says how to pass the API key, and the ready query follows', async () => {
    const gateway = createGateway({
      auth: { apiKeys: ['k'.repeat(32)] },
      graphiql: { defaultQuery: DEFAULT_QUERY },
      logging: false,
      defaultRegion: 'US',
    });
    const page = await (
      await gateway.fetch('http://gateway.test/graphql', { headers: { accept: 'text/html' } })
    ).text();
    const options = JSON.parse(/renderYogaGraphiQL\([^,]+, (.*)\);<\/script>/.exec(page)?.[1] ?? '{}');
    expect(options.defaultQuery).toMatch(/^# This gateway needs a credential: open the Headers tab below/);
    expect(options.defaultQuery).toContain('#   {"X-Api-Key": "<your API key>"}');
    expect(options.defaultQuery).toContain(DEFAULT_QUERY);
    expect(options.defaultEditorToolsVisibility).toBe('headers');
    expect(options.defaultTabs[1].query).toMatch(/^# This gateway needs a credential: open the Headers tab below/);
    expect(options.defaultTabs[1].query).toContain(DEFAULT_MUTATION);
    // Nothing from a CDN in the page itself either.
    expect(page).not.toMatch(/https?:\/\//);
  });
});

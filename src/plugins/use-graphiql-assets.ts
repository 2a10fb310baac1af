// GraphiQL served by the gateway itself: the page and every asset it loads (script, styles, Monaco's workers, fonts,
// favicon) come from this process, never from a CDN, so it works offline, behind a firewall and under a strict CSP.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';
import { DEFAULT_MUTATION } from '../default-query.js';

const gzip = promisify(gzipCallback);

/** Where the assets are served; a digest of their content follows, so each version can be cached forever. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql/';

interface Asset {
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer>;
}

interface Assets {
  version: string;
  files: Map<string, Asset>;
}

const FILES = {
  'graphiql.js': ['js', 'text/javascript; charset=utf-8'],
  'graphiql.css': ['css', 'text/css; charset=utf-8'],
  'editor.worker.js': ['editorWorkerService', 'text/javascript; charset=utf-8'],
  'json.worker.js': ['jsonWorker', 'text/javascript; charset=utf-8'],
  'graphql.worker.js': ['graphqlWorker', 'text/javascript; charset=utf-8'],
  'favicon.ico': ['favicon', 'image/x-icon'],
} as const;

let loading: Promise<Assets> | undefined;

/**
 * The bundle (about 9 MB of text) is read on the first GraphiQL request, not at start: a gateway that only answers
 * API callers never holds it. Each file is gzipped once.
 */
function assets(): Promise<Assets> {
  loading ??= (async () => {
    const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
    const hash = createHash('sha256');
    const files = new Map<string, Asset>();
    for (const [name, [key, type]] of Object.entries(FILES)) {
      const text = bundle[key];
      const body =
        key === 'favicon'
          ? new Uint8Array(Buffer.from(text.slice(text.indexOf(',') + 1), 'base64'))
          : new TextEncoder().encode(text);
      hash.update(body);
      files.set(name, { type, body, gzipped: new Uint8Array(await gzip(body)) });
    }
    return { version: hash.digest('base64url').slice(0, 12), files };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u2028\u2029]/g, '');

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** Yoga's `renderGraphiQL`: the page, pointing at the gateway's own copies of the assets. */
export async function renderLocalGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { version } = await assets();
  const base = `${GRAPHIQL_ASSETS_PATH}${version}/`;
  const title = escapeHtml(options.title ?? 'GraphiQL');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="${base}favicon.ico">
<link rel="stylesheet" href="${base}graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root">Loading ${title}…</div>
<script>
self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: (moduleId, label) => ({
    editorWorkerService: ${scriptJson(`${base}editor.worker.js`)},
    json: ${scriptJson(`${base}json.worker.js`)},
    graphql: ${scriptJson(`${base}graphql.worker.js`)},
  })[label],
};
</script>
<script src="${base}graphiql.js"></script>
<script>YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), ${scriptJson(options)});</script>
</body>
</html>
`;
}

/**
 * Serves GET /graphiql/<version>/<file>: immutable for their version (the page names the current one), gzipped when
 * the browser accepts it. Any other version is a 404, so a stale page never mixes assets.
 */
export function useGraphiQLAssets(): Plugin {
  return {
    onRequest({ request, url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSETS_PATH)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { Allow: 'GET, HEAD' } }));
        return;
      }
      const [version, name, ...rest] = url.pathname.slice(GRAPHIQL_ASSETS_PATH.length).split('/');
      return assets().then((current) => {
        const asset = version === current.version && rest.length === 0 && name ? current.files.get(name) : undefined;
        if (!asset) {
          endResponse(new fetchAPI.Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } }));
          return;
        }
        const gzipped = /\bgzip\b/.test(request.headers.get('accept-encoding') ?? '');
        const body = gzipped ? asset.gzipped : asset.body;
        const headers: Record<string, string> = {
          'Content-Type': asset.type,
          'Content-Length': String(body.byteLength),
          'Cache-Control': 'public, max-age=31536000, immutable',
          'X-Content-Type-Options': 'nosniff',
          // Origin too, as on every answer (src/plugins/use-cors.ts)
          Vary: 'Accept-Encoding, Origin',
        };
        if (gzipped) headers['Content-Encoding'] = 'gzip';
        endResponse(
          new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
            status: 200,
            headers: new fetchAPI.Headers(headers),
          }),
        );
      });
    },
  };
}

/**
 * GraphiQL's options: it opens on `defaultQuery` in its first tab, with the ready mutation (`DEFAULT_MUTATION`) in a
 * second; with auth on, each tab's first lines say which header to add in the Headers tab (opened for it). A new tab
 * opens on `defaultQuery`. Tabs and headers come from these options only in a browser with no GraphiQL tabs stored
 * yet; headers are not persisted in the browser's storage.
 */
export function graphiqlOptions(
  defaultQuery: string | undefined,
  auth: { apiKeys: string[]; jwt?: unknown } | undefined,
): GraphiQLOptions {
  const hints = [
    auth && auth.apiKeys.length > 0 && '#   {"X-Api-Key": "<your API key>"}',
    auth?.jwt && '#   {"Authorization": "Bearer <your token>"}',
  ].filter((hint): hint is string => typeof hint === 'string');
  const hint = hints.length
    ? `# This gateway needs a credential: open the Headers tab below and enter\n${hints.join('\n#   or\n')}\n\n`
    : '';
  return {
    title: 'Contact gateway',
    ...(defaultQuery === undefined
      ? {}
      : {
          defaultQuery: hint + defaultQuery,
          defaultTabs: [{ query: hint + defaultQuery }, { query: hint + DEFAULT_MUTATION }],
        }),
    ...(hint ? { defaultEditorToolsVisibility: 'headers' as const } : {}),
    shouldPersistHeaders: false,
  };
}

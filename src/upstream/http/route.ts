// Route templates: what logs, metrics and failure events name instead of a URL.

/**
 * The fixed words of the two upstreams' paths, as our clients call them (src/upstream/backside/client.ts,
 * src/upstream/intercom/client.ts; shared/upstreams/backside.md, Intercom's OpenAPI paths). Every other segment is a
 * value (an id, an email, an external id) and becomes `{id}`, whatever it looks like: a caller chooses ids, and a
 * route names no record and stays one of a bounded set (it labels metrics).
 */
const ROUTE_WORDS = new Set([
  'api',
  'v1',
  'contacts',
  'find-by-channel',
  'find_by_external_id',
  'search',
  'merge',
  'archive',
  'tags',
  'companies',
  'notes',
  'addresses',
  'affiliations',
  'channels',
]);

/** `/contacts/5ba6…/notes` → `GET /contacts/{id}/notes`: logs name the route, never the record or the host. */
export function routeOf(method: string, path: string): string {
  const template = (path.split('?')[0] ?? '')
    .split('/')
    .map((segment) => (segment === '' || ROUTE_WORDS.has(segment) ? segment : '{id}'))
    .join('/');
  return `${method} ${template}`;
}

// Route templates: what logs and failure events name instead of a URL.
import { memoize } from '../../memo.js';

/** Estimated heap of remembered templates, bytes: one per distinct path asked recently. */
const ROUTE_MEMO_MAX_BYTES = 1024 * 1024;

/** `/contacts/5ba6…/notes` → `GET /contacts/{id}/notes`: logs name the route, never the record or the host. */
export function routeOf(method: string, path: string): string {
  return `${method} ${template(path)}`;
}

// Every upstream call names its route; a page of 50 contacts asks the same few paths again and again.
const template = memoize(
  (path: string): string => templateOf(path),
  (path) => path,
  ROUTE_MEMO_MAX_BYTES,
) as (path: string) => string;

function templateOf(path: string): string {
  return path
    .split('?')[0]
    ?.split('/')
    .map((segment) => (/\d/.test(segment) && !/^v\d+$/.test(segment) ? '{id}' : segment))
    .join('/') as string;
}

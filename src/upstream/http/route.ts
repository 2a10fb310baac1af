// Route templates: what logs and failure events name instead of a URL.

/** `/contacts/5ba6…/notes` → `GET /contacts/{id}/notes`: logs name the route, never the record or the host. */
export function routeOf(method: string, path: string): string {
  const template = path
    .split('?')[0]
    ?.split('/')
    .map((segment) => (/\d/.test(segment) && !/^v\d+$/.test(segment) ? '{id}' : segment))
    .join('/');
  return `${method} ${template}`;
}

// Ids inside upstream URL paths. Pure: no I/O.
//
// An id is put into a path as one percent-encoded segment. Encoding alone is not enough: `.` and `..` are dot segments
// that URL resolution removes (`/api/v1/contacts/..` is `/api/v1/`, the billed list, with our token), and spelling the
// dots `%2E` would not help (the WHATWG URL parser reads `%2e` as a dot), so such ids are refused. A lone UTF-16
// surrogate cannot be encoded at all (encodeURIComponent throws URIError).
import { GatewayError } from '../errors.js';

/**
 * The longest id accepted, in UTF-16 code units. Backside ids are UUIDs (36) and Intercom's are 24 hex digits or
 * numbers; 256 leaves room for any id either source could give while keeping absurd ones out of URLs and logs.
 */
export const MAX_ID_LENGTH = 256;

/** `id` encoded as one path segment, or why it cannot be one. */
function encode(id: unknown): { segment: string } | { problem: string } {
  if (typeof id !== 'string' || id.trim() === '') return { problem: 'must not be empty' };
  if (id === '.' || id === '..') return { problem: 'must not be "." or ".."' };
  if (id.length > MAX_ID_LENGTH) return { problem: `must be at most ${MAX_ID_LENGTH} characters` };
  try {
    return { segment: encodeURIComponent(id) };
  } catch {
    // URIError: a lone surrogate.
    return { problem: 'must be valid Unicode text' };
  }
}

/**
 * Whether `id` can be sent as one upstream path segment: a non-empty string, not `.` or `..`, at most
 * {@link MAX_ID_LENGTH} characters, and encodable (no lone UTF-16 surrogate). Use it on ids that come from upstream
 * data, where a failure means bad upstream data (drop it, or UPSTREAM_BAD_RESPONSE) rather than a bad request.
 */
export function isPathSegment(id: unknown): id is string {
  return 'segment' in encode(id);
}

/**
 * `id` as one percent-encoded upstream path segment (`/`, `?`, `#` and `%` included are encoded). Throws
 * BAD_USER_INPUT when {@link isPathSegment} would say no, so that no upstream is ever called with it.
 */
export function pathSegment(id: string): string {
  const encoded = encode(id);
  if ('problem' in encoded) throw GatewayError.badInput(`The id ${encoded.problem}.`);
  return encoded.segment;
}

/** The BAD_USER_INPUT for a caller's id that cannot be a path segment; null when it can. */
export function idError(id: unknown): GatewayError | null {
  const encoded = encode(id);
  return 'problem' in encoded ? GatewayError.badInput(`The id ${encoded.problem}.`) : null;
}

/** Throws BAD_USER_INPUT unless every id can be a path segment: for the entry points of connectors and loaders. */
export function checkIds(...ids: string[]): void {
  for (const id of ids) {
    const error = idError(id);
    if (error) throw error;
  }
}

/**
 * The records of one list answer worth keeping: those whose id can be a path segment (any other is bad upstream data,
 * never sent back upstream), and of records sharing an id only the first (a page that repeats a record would give
 * clients two edges, or two list items, with the same id).
 */
export function distinctRecords<T>(items: readonly T[], idOf: (item: T) => unknown): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const id = idOf(item);
    if (!isPathSegment(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

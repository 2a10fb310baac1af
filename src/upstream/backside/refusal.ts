// Backside's refusals of writes (backside.md, "Writes" and "Errors"), as user errors. Pure: no I/O.
//
// Telling a missing contact from a missing route: Backside answers a missing record (or another tenant's) 404 with its
// documented body `{"error":{"code":"not_found",…}}`. An assumed (A) endpoint this Backside lacks answers 404 without
// that body (the router's own page, an empty body, or another code such as `route_not_found`), or 405 or 501: that is
// UNSUPPORTED_BY_SOURCE. A `not_found` whose message speaks of a route, path or endpoint is read as a missing route too.
import { isObject } from '../shape.js';
import { fieldIn, invalid, notFound, taken, unsupported } from '../user-errors.js';
import type { SourceUserError } from '../writer.js';

/** Backside field names (and words of its messages) → our input fields. */
export const BACKSIDE_FIELDS: Record<string, string> = {
  email: 'email',
  phone: 'phone',
  display_name: 'name',
  given_name: 'givenName',
  family_name: 'familyName',
  middle_name: 'middleName',
  nickname: 'nickname',
  prefix: 'prefix',
  suffix: 'suffix',
  avatar_url: 'avatarUrl',
  language: 'language',
  timezone: 'timezone',
  vcard_uid: 'externalId',
  metadata: 'customAttributes',
  kind: 'kind',
  type: 'type',
  value: 'value',
  label: 'label',
  street: 'street',
  extended: 'extended',
  po_box: 'poBox',
  city: 'city',
  region: 'region',
  postal_code: 'postalCode',
  country_code: 'countryCode',
  country: 'country',
  organization_id: 'companyId',
  title: 'title',
};

/** Backside's documented error body, when the refusal carries one. */
export function backsideProblem(body: unknown): { code: string; message: string } | null {
  if (!isObject(body) || !isObject(body.error)) return null;
  const { code, message } = body.error;
  return { code: typeof code === 'string' ? code : '', message: typeof message === 'string' ? message : '' };
}

/** What the refused call was, for messages and for reading its 404. */
export interface BacksideWriteContext {
  /** e.g. "contact", "channel": in our messages. */
  what: string;
  /** Our input field naming the record the path is about (`id` for updates, `contactId` for sub-records). */
  recordField: string;
  /** An assumed endpoint (A): a 404 without Backside's not_found body means this Backside lacks it. */
  assumed: boolean;
  /** Another record the body names (`organization_id` → `companyId`), when a not_found may be about it. */
  other?: { word: string; field: string; what: string };
}

/** The user error for a refused Backside write (`status` one of REFUSALS). */
export function backsideRefusal(status: number, body: unknown, context: BacksideWriteContext): SourceUserError {
  const problem = backsideProblem(body);
  const message = problem?.message;
  if (status === 405 || status === 501) return unsupported('BACKSIDE', `this ${context.what} operation`);
  if (status === 404) {
    const record = problem?.code === 'not_found' && !/\b(route|path|endpoint)\b/i.test(message ?? '');
    if (!record && context.assumed) return unsupported('BACKSIDE', `this ${context.what} operation`);
    if (context.other && message?.toLowerCase().includes(context.other.word)) {
      return notFound('BACKSIDE', context.other.what, context.other.field);
    }
    return notFound('BACKSIDE', 'contact', context.recordField);
  }
  if (status === 409) return taken('BACKSIDE', fieldIn(message, BACKSIDE_FIELDS), existingIdIn(body));
  return invalid('BACKSIDE', context.what, fieldIn(message, BACKSIDE_FIELDS));
}

/**
 * The id of the record a 409 says holds the value: a field of the error body (`existing_id`, `contact_id`, `id`), else
 * an id written in its message (`id=<id>`, `id <id>`, `contact <uuid>`, or the one UUID it holds); undefined when none.
 */
export function existingIdIn(body: unknown): string | undefined {
  if (isObject(body) && isObject(body.error)) {
    for (const key of ['existing_id', 'contact_id', 'id']) {
      const value = body.error[key];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  const message = backsideProblem(body)?.message ?? '';
  const named = /\bid[=:\s]+["']?([A-Za-z0-9_-]{6,})/i.exec(message)?.[1];
  if (named) return named;
  return /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(message)?.[0];
}

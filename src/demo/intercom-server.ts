// A fake of Intercom's REST API 2.16 (shared/upstreams/intercom.md and the OpenAPI spec): contacts with inline
// reference lists, cursor pages, the search query language, sub-lists, tags, companies, 404/410, error lists, and the
// writes (intercom-writes.ts).
import type {
  IntercomContact,
  IntercomMultipleFilter,
  IntercomSearchOperator,
  IntercomSingleFilter,
} from '../upstream/intercom/types.js';
import { isObject } from '../upstream/shape.js';
import {
  bearer,
  type CallMatch,
  decodeOffset,
  encodeOffset,
  type FakeAnswer,
  type FakeOptions,
  type FakeRequest,
  type FakeUpstream,
  route,
  startFake,
  WriteDrops,
  withRateLimit,
} from './http.js';
import { IntercomWebhookSender } from './intercom-webhooks.js';
import { type IntercomStore, type IntercomWriteSettings, intercomWriteRoutes } from './intercom-writes.js';
import { DEMO_INTERCOM_CLIENT_SECRET, DEMO_INTERCOM_TOKEN, type Seed } from './seed.js';

/** Runtime switches and read access of the Intercom fake, for tests. */
export interface IntercomControl {
  /** How long a created contact stays invisible to `POST /contacts/search`; default 0. */
  searchLagMs: number;
  /**
   * The next `n` successful writes (matching `match`, if given) take effect, then the socket is destroyed without
   * an answer. `POST /contacts/search` is a read and never dropped.
   */
  dropNextWriteAnswer(n?: number, match?: CallMatch): void;
  /** Drops still armed. */
  pendingDrops(): number;
  /** Every switch back to its default (drops disarmed, no search lag). */
  clear(): void;
  /** The live store: every contact, archived ones included (deleted and merged-away ones are gone). */
  contacts(): IntercomContact[];
  /** How many stored contacts match (all when no predicate). */
  count(predicate?: (contact: IntercomContact) => boolean): number;
  /** The whole live store (the seed the fake was started with): tags, notes, relations, merged and archived ids. */
  store(): Seed['intercom'];
  /**
   * Where the fake sends its webhooks (src/demo/intercom-webhooks.ts), signed with `secret` (default
   * DEMO_INTERCOM_CLIENT_SECRET); undefined (the default) sends none.
   */
  webhookTarget(url: string | undefined, secret?: string): void;
  /** Every `everyMs`, the fake edits a contact by itself (its `last_seen_at`), announced by webhook; 0 stops. */
  liveEdits(everyMs: number): void;
  /** Webhooks sent so far: topic and the answer's status (0 while in flight). */
  webhooks(): readonly { topic: string; status: number | 'failed' }[];
}

/** The Intercom fake: a `FakeUpstream` with its `control`. */
export interface IntercomFake extends FakeUpstream {
  control: IntercomControl;
}

const RATE_LIMIT = 10_000; // a private app, per minute; reported, never enforced
const DAY = 86_400;
const MAX_PER_PAGE = 150;
const MAX_GROUP_SIZE = 15;
/** Groups below the top-level group: `(1 OR 2) AND ((3 AND 4) OR 5)` nests 2 deep. */
const MAX_NESTING = 2;

const DATE_FIELDS = new Set([
  'created_at',
  'updated_at',
  'signed_up_at',
  'last_seen_at',
  'last_contacted_at',
  'last_replied_at',
  'last_email_opened_at',
  'last_email_clicked_at',
  'ios_last_seen_at',
  'android_last_seen_at',
]);
const OPERATORS = new Set<string>(['=', '!=', 'IN', 'NIN', '<', '<=', '>', '>=', '~', '!~', '^', '$']);

type Query = IntercomSingleFilter | IntercomMultipleFilter;

/** A rejected search: answered 400 with this code. */
class SearchError extends Error {
  constructor(
    message: string,
    readonly code = 'parameter_invalid',
  ) {
    super(message);
  }
}

/** A unix timestamp in a filter: Intercom accepts numbers and numeric strings (the spec's own example is a string). */
function timestamp(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}

/** Checks a whole query before any contact is matched, so an invalid query fails even when nothing could match. */
function validate(query: unknown, depth = 0): asserts query is Query {
  if (!isObject(query)) throw new SearchError('query must be an object');
  const { field, operator, value } = query;
  if (operator === 'AND' || operator === 'OR') {
    if (depth > MAX_NESTING) throw new SearchError(`Filters can be nested at most ${MAX_NESTING} levels deep`);
    if (!Array.isArray(value)) throw new SearchError(`The value of an ${operator} group must be an array`);
    if (value.length > MAX_GROUP_SIZE)
      throw new SearchError(`An ${operator} group can hold at most ${MAX_GROUP_SIZE} filters`);
    for (const item of value) validate(item, depth + 1);
    return;
  }
  if (typeof field !== 'string' || field === '') throw new SearchError('field is required');
  if (typeof operator !== 'string' || !OPERATORS.has(operator))
    throw new SearchError(`Unknown operator ${JSON.stringify(operator)}`);
  const listOperator = operator === 'IN' || operator === 'NIN';
  if (listOperator !== Array.isArray(value))
    throw new SearchError(listOperator ? `${operator} takes an array value` : `${operator} does not take an array`);
  if (field === 'tag_id' && operator !== '=' && operator !== '!=')
    throw new SearchError(`tag_id does not support the ${operator} operator`);
  if (DATE_FIELDS.has(field)) {
    if (operator !== '=' && operator !== '<' && operator !== '>')
      throw new SearchError(`${field} is a date field: ${operator} is not supported`);
    if (timestamp(value) === null) throw new SearchError(`${field} takes a unix timestamp`);
  }
  if (['<', '<=', '>', '>='].includes(operator) && timestamp(value) === null)
    throw new SearchError(`${operator} takes a number`);
}

function fieldValue(contact: IntercomContact, field: string, contactTags: Record<string, string[]>): unknown {
  if (field === 'tag_id') return contactTags[contact.id] ?? [];
  if (field.startsWith('location.')) {
    const location: unknown = contact.location;
    return isObject(location) ? location[field.slice('location.'.length)] : undefined;
  }
  if (field.startsWith('custom_attributes.'))
    return contact.custom_attributes?.[field.slice('custom_attributes.'.length)];
  return contact[field];
}

/** Strings (and booleans, numbers) compare case-insensitively; null and absent are the same. */
const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value).toLowerCase();

function matches(contact: IntercomContact, query: Query, contactTags: Record<string, string[]>): boolean {
  if (query.operator === 'AND' || query.operator === 'OR') {
    const { value: items } = query as IntercomMultipleFilter;
    return query.operator === 'AND'
      ? items.every((item) => matches(contact, item, contactTags))
      : items.some((item) => matches(contact, item, contactTags));
  }
  const { field, operator, value } = query as IntercomSingleFilter;
  const actual = fieldValue(contact, field, contactTags);
  if (field === 'tag_id') {
    const has = (actual as string[]).includes(String(value));
    return operator === '=' ? has : !has;
  }
  if (DATE_FIELDS.has(field)) {
    // Matched by calendar day (the workspace is on UTC): `>` starts at the next day, `<` ends before this one.
    if (typeof actual !== 'number') return false;
    const day = Math.floor((timestamp(value) as number) / DAY) * DAY;
    if (operator === '=') return actual >= day && actual < day + DAY;
    if (operator === '>') return actual >= day + DAY;
    return actual < day;
  }
  const have = text(actual);
  const wanted = text(value);
  return compare(operator, have, wanted, actual, value);
}

function compare(
  operator: IntercomSearchOperator,
  have: string | null,
  wanted: string | null,
  actual: unknown,
  value: IntercomSingleFilter['value'],
): boolean {
  switch (operator) {
    case '=':
      return have === wanted;
    case '!=':
      return have !== wanted;
    case 'IN':
    case 'NIN': {
      const found = (value as unknown[]).some((item) => text(item) === have);
      return operator === 'IN' ? found : !found;
    }
    case '~':
      return have?.includes(wanted ?? '') === true;
    case '!~':
      return have === null || !have.includes(wanted ?? '');
    case '^':
      return have?.startsWith(wanted ?? '') === true;
    case '$':
      return have?.endsWith(wanted ?? '') === true;
    default: {
      const a = typeof actual === 'number' ? actual : null;
      const b = timestamp(value);
      if (a === null || b === null) return false;
      if (operator === '<') return a < b;
      if (operator === '<=') return a <= b;
      if (operator === '>') return a > b;
      return a >= b;
    }
  }
}

/** Sort values: numbers numerically, everything else as lowercased text; null and absent sort last either way. */
function sortCompare(a: unknown, b: unknown, sign: number): number {
  const aMissing = a === null || a === undefined;
  const bMissing = b === null || b === undefined;
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return sign * (a - b);
  return sign * String(a).toLowerCase().localeCompare(String(b).toLowerCase());
}

/**
 * Starts the fake on loopback. Writes change `seed` in place (it is the fake's store): start it with a fresh
 * `createSeed()` for a clean state.
 */
export async function startIntercomFake(seed: Seed, options: FakeOptions = {}): Promise<IntercomFake> {
  const data = seed.intercom;
  const byId = new Map(data.contacts.map((contact) => [contact.id, contact]));
  const searchLag = new Set(data.searchLag);
  const companies = new Map(data.companies.map((company) => [company.id, company]));
  const tags = new Map(data.tags.map((tag) => [tag.id, tag]));
  const settings: IntercomWriteSettings = { searchLagMs: 0 };
  const searchableAt = new Map<string, number>();
  const drops = new WriteDrops();
  // Read live on every request: writes archive, delete and merge contacts.
  const isArchived = (id: string) => data.archived.includes(id);
  /** Merged-away ids are not contacts any more (they only answer 410): the store's order minus archived. */
  const listed = () => {
    const archived = new Set(data.archived);
    return data.contacts.filter((contact) => !archived.has(contact.id) && !(contact.id in data.merged));
  };
  const searchable = () => {
    const now = Date.now();
    return listed().filter((contact) => !searchLag.has(contact.id) && (searchableAt.get(contact.id) ?? 0) <= now);
  };

  let errors = 0;
  /** Intercom's error list; request ids are uuid-shaped and deterministic per server. */
  function error(status: number, code: string, message: string, headers: Record<string, string> = {}): FakeAnswer {
    errors += 1;
    const requestId = `00000000-0000-4000-8000-${errors.toString(16).padStart(12, '0')}`;
    return { status, body: { type: 'error.list', request_id: requestId, errors: [{ code, message }] }, headers };
  }

  function page<T>(items: T[], perPageValue: unknown, startingAfter: unknown): FakeAnswer {
    const perPage = perPageValue === undefined || perPageValue === null || perPageValue === '' ? 50 : perPageValue;
    const size = typeof perPage === 'number' ? perPage : typeof perPage === 'string' ? Number(perPage) : Number.NaN;
    if (!Number.isInteger(size) || size < 1 || size > MAX_PER_PAGE)
      return error(400, 'parameter_invalid', `per_page must be an integer from 1 to ${MAX_PER_PAGE}`);
    let offset: number | null = 0;
    if (startingAfter !== undefined && startingAfter !== null && startingAfter !== '')
      offset = typeof startingAfter === 'string' ? decodeOffset(startingAfter) : null;
    if (offset === null) return error(400, 'parameter_invalid', 'starting_after is not a valid cursor');
    const pages: Record<string, unknown> = {
      type: 'pages',
      page: Math.floor(offset / size) + 1,
      per_page: size,
      total_pages: Math.ceil(items.length / size),
    };
    // `next` is left out on the last page: that is how a client knows it is done.
    if (offset + size < items.length) pages.next = { per_page: size, starting_after: encodeOffset(offset + size) };
    return {
      status: 200,
      body: { type: 'list', data: items.slice(offset, offset + size), total_count: items.length, pages },
    };
  }

  /** A sub-list of one contact: archived, merged-away and unknown ids all answer 404. */
  function ofContact(id: string, answer: (contact: IntercomContact) => unknown): FakeAnswer {
    const contact = byId.get(id);
    if (!contact || isArchived(id)) return error(404, 'not_found', 'User Not Found');
    return { status: 200, body: answer(contact) };
  }

  /** The sub-lists are never paged here (a contact has at most a dozen of each): one page, as Intercom answers them. */
  const SINGLE_PAGE = { type: 'pages', next: null, page: 1, per_page: 50, total_pages: 1 };

  function search(request: FakeRequest): FakeAnswer {
    if (request.bodyInvalid) return error(400, 'parameter_invalid', 'The request body is not valid JSON');
    const body = request.body;
    if (!isObject(body) || body.query === undefined || body.query === null)
      return error(400, 'parameter_invalid', 'query is required');
    const { query, sort } = body;
    const pagination = isObject(body.pagination) ? body.pagination : {};
    try {
      validate(query);
    } catch (failure) {
      if (failure instanceof SearchError) return error(400, failure.code, failure.message);
      throw failure;
    }
    let found = searchable().filter((contact) => matches(contact, query, data.contactTags));
    if (isObject(sort) && typeof sort.field === 'string' && sort.field !== '') {
      const order = sort.order ?? 'descending';
      if (order !== 'ascending' && order !== 'descending')
        return error(
          400,
          'invalid_sort_order',
          `Invalid sort order '${String(order)}'. Must be one of: ascending, descending`,
        );
      const field = sort.field;
      const sign = order === 'ascending' ? 1 : -1;
      const position = new Map(found.map((contact, index) => [contact.id, index]));
      found = [...found].sort(
        (a, b) =>
          sortCompare(fieldValue(a, field, data.contactTags), fieldValue(b, field, data.contactTags), sign) ||
          (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0),
      );
    }
    return page(found, pagination.per_page, pagination.starting_after);
  }

  const store: IntercomStore = { data, byId, tags, companies, searchableAt, error, settings };
  const routes = route(
    [
      ['POST', /^\/contacts\/search$/, (request) => search(request)],
      [
        'GET',
        /^\/contacts$/,
        (request) =>
          page(listed(), request.query.get('per_page') ?? undefined, request.query.get('starting_after') ?? undefined),
      ],
      [
        'GET',
        /^\/contacts\/find_by_external_id\/([^/]+)$/,
        // Users only, as the spec says (ShowContactByExternalId); read straight from the store: no search lag.
        (_request, [externalId = '']) => {
          const wanted = decodeURIComponent(externalId);
          const found = listed().find((contact) => contact.role === 'user' && contact.external_id === wanted);
          return found ? { status: 200, body: found } : error(404, 'not_found', 'User Not Found');
        },
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)\/tags$/,
        (_request, [id = '']) =>
          ofContact(id, (contact) => ({
            type: 'list',
            data: (data.contactTags[contact.id] ?? []).flatMap((tagId) => {
              const tag = tags.get(tagId);
              return tag ? [{ type: 'tag', id: tag.id, name: tag.name }] : [];
            }),
          })),
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)\/companies$/,
        (_request, [id = '']) =>
          ofContact(id, (contact) => {
            const list = (data.contactCompanies[contact.id] ?? []).flatMap(
              (companyId) => companies.get(companyId) ?? [],
            );
            return { type: 'list', data: list, total_count: list.length, pages: SINGLE_PAGE };
          }),
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)\/notes$/,
        (_request, [id = '']) =>
          ofContact(id, (contact) => {
            const notes = data.notes
              .filter((note) => note.contact?.id === contact.id)
              .sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id));
            return { type: 'list', data: notes, total_count: notes.length, pages: SINGLE_PAGE };
          }),
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)$/,
        (request, [id = '']) => {
          const canonical = data.merged[id];
          if (canonical !== undefined) {
            return error(410, 'contact_merged', `Contact ${id} was merged into ${canonical}`, {
              link: `<${request.baseUrl}/contacts/${canonical}>; rel="canonical"`,
            });
          }
          return ofContact(id, (contact) => contact);
        },
      ],
      ['GET', /^\/tags$/, () => ({ status: 200, body: { type: 'list', data: data.tags } })],
      [
        'GET',
        /^\/tags\/([^/]+)$/,
        (_request, [id = '']) => {
          const tag = tags.get(id);
          return tag ? { status: 200, body: tag } : error(404, 'not_found', 'Resource Not Found');
        },
      ],
      [
        'GET',
        /^\/companies\/([^/]+)$/,
        (_request, [id = '']) => {
          const company = companies.get(id);
          return company ? { status: 200, body: company } : error(404, 'not_found', 'Company Not Found');
        },
      ],
      // After the reads, so an Allow header lists GET first.
      ...intercomWriteRoutes(store),
    ],
    () => error(404, 'not_found', 'Resource Not Found'),
    (_request, allowed) => error(405, 'method_not_allowed', 'Method Not Allowed', { allow: allowed.join(', ') }),
  );

  const webhooks = new IntercomWebhookSender({ appId: 'demo', roleOf: (id) => byId.get(id)?.role });
  const isWrite = (request: FakeRequest) => request.method !== 'GET' && request.path !== '/contacts/search';
  /** Routes a request and announces what a write changed. */
  const serve = (request: FakeRequest): FakeAnswer => {
    const edited =
      request.method === 'PUT' ? byId.get(decodeURIComponent(request.path.split('/')[2] ?? '')) : undefined;
    const before = edited && { ...edited };
    const answer = routes(request);
    if (isWrite(request)) webhooks.afterWrite(request, answer, before);
    return answer;
  };
  let liveEdits: NodeJS.Timeout | undefined;
  /** A contact seen again, as happens in a live workspace (the demo's timer). */
  const liveEdit = () => {
    const contacts = listed();
    const contact = contacts[Math.floor(Math.random() * contacts.length)];
    if (!contact) return;
    const path = `/contacts/${encodeURIComponent(contact.id)}`;
    const body = { last_seen_at: Math.floor(Date.now() / 1000) };
    serve({ method: 'PUT', path, query: new URLSearchParams(), body, bodyInvalid: false, headers: {}, baseUrl: '' });
  };

  const fake = await startFake(
    {
      handle: (request) => {
        // Intercom-Version is recorded with the call (RecordedCall.headers) but, like Intercom, not required.
        if (bearer(request) !== DEMO_INTERCOM_TOKEN) return error(401, 'unauthorized', 'Access Token Invalid');
        // Intercom spreads its limit over 10-second windows.
        return withRateLimit(serve(request), RATE_LIMIT, 10);
      },
      internalError: () => error(500, 'server_error', 'Internal Server Error'),
      drops,
      // Search is a POST but reads.
      isWrite,
    },
    options,
  );
  const control: IntercomControl = {
    get searchLagMs() {
      return settings.searchLagMs;
    },
    set searchLagMs(value) {
      settings.searchLagMs = value;
    },
    dropNextWriteAnswer: (n = 1, match = {}) => drops.arm(n, match),
    pendingDrops: () => drops.pending(),
    clear() {
      drops.clear();
      settings.searchLagMs = 0;
    },
    contacts: () => data.contacts,
    count: (predicate = () => true) => data.contacts.filter(predicate).length,
    store: () => data,
    webhookTarget: (url, secret = DEMO_INTERCOM_CLIENT_SECRET) => webhooks.target(url, secret),
    liveEdits(everyMs) {
      clearInterval(liveEdits);
      liveEdits = everyMs > 0 ? setInterval(liveEdit, everyMs) : undefined;
      // The demo's heartbeat never keeps a process alive by itself.
      liveEdits?.unref();
    },
    webhooks: () => webhooks.sent,
  };
  const close = async () => {
    clearInterval(liveEdits);
    webhooks.close();
    await fake.close();
  };
  return { ...fake, close, control };
}

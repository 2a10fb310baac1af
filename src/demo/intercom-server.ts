// A fake of Intercom's REST API 2.16 (shared/upstreams/intercom.md and the OpenAPI spec): contacts with inline
// reference lists, cursor pages, the search query language, sub-lists, tags, companies, 404/410, error lists.
import type { IntercomContact, IntercomMultipleFilter, IntercomSingleFilter } from '../upstream/intercom/types.js';
import {
  decodeOffset,
  encodeOffset,
  type FakeAnswer,
  type FakeOptions,
  type FakeRequest,
  type FakeUpstream,
  route,
  startFake,
} from './http.js';
import type { Seed } from './seed.js';

let requestCounter = 0;
const error = (status: number, code: string, message: string, headers: Record<string, string> = {}): FakeAnswer => {
  requestCounter += 1;
  return {
    status,
    body: { type: 'error.list', request_id: `req-${requestCounter}`, errors: [{ code, message }] },
    headers,
  };
};

class SearchError extends Error {}

const DATE_FIELDS = new Set([
  'created_at',
  'updated_at',
  'signed_up_at',
  'last_seen_at',
  'last_contacted_at',
  'last_replied_at',
  'last_email_opened_at',
  'last_email_clicked_at',
]);
const DAY = 86_400;

function fieldValue(contact: IntercomContact, field: string, contactTags: Record<string, string[]>): unknown {
  if (field === 'tag_id') return contactTags[contact.id] ?? [];
  if (field.startsWith('location.'))
    return (contact.location as Record<string, unknown> | null | undefined)?.[field.slice(9)];
  if (field.startsWith('custom_attributes.')) return contact.custom_attributes?.[field.slice(18)];
  return contact[field];
}

function matches(
  contact: IntercomContact,
  query: IntercomSingleFilter | IntercomMultipleFilter,
  contactTags: Record<string, string[]>,
  depth = 0,
): boolean {
  if (query.operator === 'AND' || query.operator === 'OR') {
    const group = query as IntercomMultipleFilter;
    if (!Array.isArray(group.value)) throw new SearchError('value of a group must be an array');
    if (group.value.length > 15) throw new SearchError('a group holds at most 15 filters');
    if (depth >= 2 && group.value.some((item) => item.operator === 'AND' || item.operator === 'OR')) {
      throw new SearchError('at most 2 levels of nested filters');
    }
    const results = group.value.map((item) => matches(contact, item, contactTags, depth + 1));
    return group.operator === 'AND' ? results.every(Boolean) : results.some(Boolean);
  }
  const { field, operator, value } = query as IntercomSingleFilter;
  if (typeof field !== 'string') throw new SearchError('field is required');
  const actual = fieldValue(contact, field, contactTags);
  if (field === 'tag_id') {
    if (operator !== '=' && operator !== '!=') throw new SearchError('tag_id supports = and != only');
    const has = (actual as string[]).includes(String(value));
    return operator === '=' ? has : !has;
  }
  if (DATE_FIELDS.has(field)) {
    if (operator !== '=' && operator !== '<' && operator !== '>')
      throw new SearchError(`${field} supports =, < and > only`);
    if (typeof value !== 'number') throw new SearchError(`${field} takes a unix timestamp`);
    if (typeof actual !== 'number') return false;
    const day = Math.floor(value / DAY) * DAY;
    if (operator === '=') return actual >= day && actual < day + DAY;
    if (operator === '>') return actual >= day + DAY;
    return actual < day;
  }
  const text = (candidate: unknown) =>
    candidate === null || candidate === undefined ? null : String(candidate).toLowerCase();
  const have = text(actual);
  switch (operator) {
    case '=':
      return have === text(value);
    case '!=':
      return have !== text(value);
    case 'IN':
    case 'NIN': {
      if (!Array.isArray(value)) throw new SearchError('IN and NIN take an array');
      const found = value.some((item) => text(item) === have);
      return operator === 'IN' ? found : !found;
    }
    case '~':
      return have?.includes(text(value) ?? '') === true;
    case '!~':
      return have === null || !have.includes(text(value) ?? '');
    case '^':
      return have?.startsWith(text(value) ?? '') === true;
    case '$':
      return have?.endsWith(text(value) ?? '') === true;
    case '<':
    case '>':
    case '<=':
    case '>=': {
      if (typeof actual !== 'number' || typeof value !== 'number') return false;
      return operator === '<'
        ? actual < value
        : operator === '>'
          ? actual > value
          : operator === '<='
            ? actual <= value
            : actual >= value;
    }
    default:
      throw new SearchError(`unknown operator ${String(operator)}`);
  }
}

export function startIntercomFake(seed: Seed, options: FakeOptions = {}): Promise<FakeUpstream> {
  const data = seed.intercom;
  const byId = new Map(data.contacts.map((contact) => [contact.id, contact]));
  const archived = new Set(data.archived);
  const searchLag = new Set(data.searchLag);
  const listed = data.contacts.filter((contact) => !archived.has(contact.id));
  const companies = new Map(data.companies.map((company) => [company.id, company]));
  const tags = new Map(data.tags.map((tag) => [tag.id, tag]));
  const resetAt = () => String(Math.floor(Date.now() / 1000) + 10);

  function page<T>(
    items: T[],
    perPageText: string | null | undefined,
    startingAfter: string | null | undefined,
  ): FakeAnswer {
    const perPage = perPageText === null || perPageText === undefined ? 50 : Number(perPageText);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 150)
      return error(400, 'parameter_invalid', 'per_page must be 1 to 150');
    const offset = startingAfter ? decodeOffset(startingAfter) : 0;
    if (offset === null) return error(400, 'parameter_invalid', 'starting_after is not valid');
    const slice = items.slice(offset, offset + perPage);
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const pages: Record<string, unknown> = {
      type: 'pages',
      page: Math.floor(offset / perPage) + 1,
      per_page: perPage,
      total_pages: totalPages,
    };
    if (offset + perPage < items.length)
      pages.next = { per_page: perPage, starting_after: encodeOffset(offset + perPage) };
    return { status: 200, body: { type: 'list', data: slice, total_count: items.length, pages } };
  }

  const contactOr404 = (id: string, found: (contact: IntercomContact) => FakeAnswer): FakeAnswer => {
    const contact = byId.get(id);
    return contact && !archived.has(id) ? found(contact) : error(404, 'not_found', 'User Not Found');
  };

  const routes = route(
    [
      ['POST', /^\/contacts\/search$/, (request) => search(request)],
      [
        'GET',
        /^\/contacts$/,
        (request) => page(listed, request.query.get('per_page'), request.query.get('starting_after')),
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)\/tags$/,
        (_request, [id]) =>
          contactOr404(id as string, (contact) => ({
            status: 200,
            body: { type: 'list', data: (data.contactTags[contact.id] ?? []).map((tagId) => tags.get(tagId)) },
          })),
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)\/companies$/,
        (_request, [id]) =>
          contactOr404(id as string, (contact) => {
            const list = (data.contactCompanies[contact.id] ?? []).map((companyId) => companies.get(companyId));
            return {
              status: 200,
              body: {
                type: 'list',
                data: list,
                total_count: list.length,
                pages: { type: 'pages', next: null, page: 1, per_page: 50, total_pages: 1 },
              },
            };
          }),
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)\/notes$/,
        (_request, [id]) =>
          contactOr404(id as string, (contact) => {
            const notes = data.notes
              .filter((note) => note.contact?.id === contact.id)
              .sort((a, b) => b.created_at - a.created_at);
            return {
              status: 200,
              body: {
                type: 'list',
                data: notes,
                total_count: notes.length,
                pages: { type: 'pages', next: null, page: 1, per_page: 50, total_pages: 1 },
              },
            };
          }),
      ],
      [
        'GET',
        /^\/contacts\/([^/]+)$/,
        (request, [id]) => {
          const canonical = data.merged[id as string];
          if (canonical) {
            return error(410, 'contact_merged', 'This contact was merged into another', {
              link: `<${request.baseUrl}/contacts/${canonical}>; rel="canonical"`,
            });
          }
          return contactOr404(id as string, (contact) => ({ status: 200, body: contact }));
        },
      ],
      ['GET', /^\/tags$/, () => ({ status: 200, body: { type: 'list', data: data.tags } })],
      [
        'GET',
        /^\/companies\/([^/]+)$/,
        (_request, [id]) => {
          const company = companies.get(id as string);
          return company ? { status: 200, body: company } : error(404, 'not_found', 'Company Not Found');
        },
      ],
    ],
    () => error(404, 'not_found', 'Resource Not Found'),
    () => error(405, 'method_not_allowed', 'Method Not Allowed'),
  );

  function search(request: FakeRequest): FakeAnswer {
    const body = request.body as
      | {
          query?: IntercomSingleFilter | IntercomMultipleFilter;
          pagination?: { per_page?: number; starting_after?: string };
          sort?: { field?: string; order?: string };
        }
      | undefined;
    if (!body?.query) return error(400, 'parameter_invalid', 'query is required');
    let found: IntercomContact[];
    try {
      found = listed.filter(
        (contact) =>
          !searchLag.has(contact.id) && matches(contact, body.query as IntercomSingleFilter, data.contactTags),
      );
    } catch (failure) {
      return error(400, 'parameter_invalid', failure instanceof SearchError ? failure.message : 'invalid query');
    }
    if (body.sort?.field) {
      const order = body.sort.order ?? 'descending';
      if (order !== 'ascending' && order !== 'descending')
        return error(400, 'invalid_sort_order', 'sort order must be ascending or descending');
      const field = body.sort.field;
      const sign = order === 'ascending' ? 1 : -1;
      found = [...found].sort(
        (a, b) => sign * (Number(a[field] ?? 0) - Number(b[field] ?? 0)) || a.id.localeCompare(b.id),
      );
    }
    const perPage = body.pagination?.per_page;
    return page(found, perPage === undefined ? undefined : String(perPage), body.pagination?.starting_after);
  }

  return startFake((request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token !== 'ic_test_demo') return error(401, 'unauthorized', 'Access Token Invalid');
    const answer = routes(request);
    return {
      ...answer,
      headers: {
        'x-ratelimit-limit': '10000',
        'x-ratelimit-remaining': '9999',
        'x-ratelimit-reset': resetAt(),
        ...answer.headers,
      },
    };
  }, options);
}

// A fake of Backside's REST API (shared/upstreams/backside.md): auth and tenants, the documented endpoints, the
// assumed list envelope, documented error bodies and rate-limit headers.
import type { BacksideContact } from '../upstream/backside/types.js';
import {
  bearer,
  decodeOffset,
  encodeOffset,
  type FakeAnswer,
  type FakeOptions,
  type FakeRequest,
  type FakeUpstream,
  route,
  startFake,
  withRateLimit,
} from './http.js';
import type { Seed } from './seed.js';

const RATE_LIMIT = 1500; // the Scale plan, per minute; reported, never enforced

const error = (status: number, code: string, message: string, extra: object = {}): FakeAnswer => ({
  status,
  body: { error: { code, message }, ...extra },
});
const notFound = () => error(404, 'not_found', 'Contact not found');

/** List and find answers carry the scalar fields only (backside.md: "A", list items). */
function summary(contact: BacksideContact): BacksideContact {
  const { addresses: _a, affiliations: _f, channels: _c, dates: _d, tags: _t, ...rest } = contact;
  return rest;
}

/** Phones compare by their digits, keeping a leading +: `(415) 555-0134` is `4155550134`, not `+14155550134`. */
const phoneKey = (value: string) => value.trim().replace(/(?!^\+)[^\d]/g, '');
const emailKey = (value: string) => value.trim().toLowerCase();

export function startBacksideFake(seed: Seed, options: FakeOptions = {}): Promise<FakeUpstream> {
  const tenantByKey = new Map(seed.backside.tenants.map((tenant) => [tenant.apiKey, tenant.id]));
  const byId = new Map(seed.backside.contacts.map((contact) => [contact.id, contact]));
  // The list's stable order: created_at, then id.
  const ordered = [...seed.backside.contacts].sort(
    (a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id),
  );

  /** The caller's tenant; the auth check in front of the routes guarantees one. */
  const tenantOf = (request: FakeRequest): string | undefined => tenantByKey.get(bearer(request) ?? '');

  /** Another tenant's record answers exactly like a missing one. */
  function visible(request: FakeRequest, id: string): BacksideContact | undefined {
    const contact = byId.get(id);
    return contact && contact.tenant_id === tenantOf(request) ? contact : undefined;
  }

  function findByChannel(request: FakeRequest): FakeAnswer {
    const type = request.query.get('type');
    const value = request.query.get('value');
    if (!type || !value) return error(400, 'invalid_request', 'Query parameters type and value are required');
    if (type !== 'email' && type !== 'phone') return error(400, 'invalid_request', 'type must be email or phone');
    const key = type === 'email' ? emailKey : phoneKey;
    const wanted = key(value);
    const tenant = tenantOf(request);
    const found = ordered.find(
      (contact) =>
        contact.tenant_id === tenant &&
        (contact.channels ?? []).some(
          (channel) => channel.type === type && key(channel.canonical_value ?? channel.value) === wanted,
        ),
    );
    return found ? { status: 200, body: summary(found) } : error(404, 'not_found', 'No contact with that channel');
  }

  function list(request: FakeRequest): FakeAnswer {
    const limitText = request.query.get('limit') ?? '50';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100)
      return error(400, 'invalid_request', 'limit must be an integer from 1 to 100');
    const cursor = request.query.get('cursor');
    const offset = cursor ? decodeOffset(cursor) : 0;
    if (offset === null) return error(400, 'invalid_request', 'cursor is not valid');
    const q = request.query.get('q')?.trim().toLowerCase();
    const kind = request.query.get('kind');
    const tag = request.query.get('tag')?.toLowerCase();
    const tenant = tenantOf(request);
    const matches = ordered.filter((contact) => {
      if (contact.tenant_id !== tenant) return false;
      if (kind && contact.kind !== kind) return false;
      if (tag && !(contact.tags ?? []).some((t) => t.name.toLowerCase() === tag || t.id.toLowerCase() === tag))
        return false;
      if (q) {
        const texts = [contact.display_name, contact.given_name, contact.family_name];
        for (const channel of contact.channels ?? []) {
          if (channel.type === 'email' || channel.type === 'phone') texts.push(channel.value, channel.canonical_value);
        }
        if (!texts.some((text) => text?.toLowerCase().includes(q))) return false;
      }
      return true;
    });
    const page = matches.slice(offset, offset + limit);
    const next = offset + limit < matches.length ? encodeOffset(offset + limit) : null;
    return { status: 200, body: { data: page.map(summary), next_cursor: next } };
  }

  const routes = route(
    [
      // Before `/contacts/{id}`, which would otherwise take `find-by-channel` for an id.
      ['GET', /^\/api\/v1\/contacts\/find-by-channel$/, (request) => findByChannel(request)],
      [
        'GET',
        /^\/api\/v1\/contacts\/([^/]+)\/affiliations$/,
        (request, [id = '']) => {
          const contact = visible(request, id);
          return contact ? { status: 200, body: contact.affiliations ?? [] } : notFound();
        },
      ],
      [
        'GET',
        /^\/api\/v1\/contacts\/([^/]+)$/,
        (request, [id = '']) => {
          const contact = visible(request, id);
          return contact ? { status: 200, body: contact } : notFound();
        },
      ],
      ['GET', /^\/api\/v1\/contacts$/, (request) => list(request)],
    ],
    (request) => error(404, 'not_found', `No route for ${request.method} ${request.path}`),
    (request, allowed) => ({
      ...error(405, 'method_not_allowed', `${request.method} is not allowed here`),
      headers: { allow: allowed.join(', ') },
    }),
  );

  function handle(request: FakeRequest): FakeAnswer {
    if (request.headers.authorization === undefined) {
      return error(402, 'payment_required', 'No API key was sent. Subscribe to a plan to get one.', {
        payment_options: [
          { plan: 'free', price_usd_month: 0, url: 'https://backside.app/pricing#free' },
          { plan: 'pro', price_usd_month: 49, url: 'https://backside.app/pricing#pro' },
        ],
      });
    }
    if (tenantOf(request) === undefined) return error(401, 'unauthorized', 'Invalid API key');
    return routes(request);
  }

  return startFake(
    {
      // Backside's limit is per minute.
      handle: (request) => withRateLimit(handle(request), RATE_LIMIT, 60),
      internalError: () => error(500, 'internal_error', 'Something went wrong'),
    },
    options,
  );
}

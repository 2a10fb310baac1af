// A fake of Backside's REST API (shared/upstreams/backside.md): auth, tenants and scopes, the documented endpoints,
// the assumed list envelope, the writes (backside-writes.ts), documented error bodies and rate-limit headers.
import type { BacksideContact } from '../upstream/backside/types.js';
import {
  type AssumedWrites,
  type BacksideStore,
  type BacksideWriteSettings,
  backsideWriteRoutes,
  emailKey,
  backsideError as error,
  phoneKey,
} from './backside-writes.js';
import {
  bearer,
  type CallMatch,
  decodeOffset,
  encodeOffset,
  type FakeAnswer,
  type FakeOptions,
  type FakeRequest,
  type FakeUpstream,
  type Route,
  route,
  startFake,
  WriteDrops,
  withRateLimit,
} from './http.js';
import type { Seed } from './seed.js';

export type { AssumedWrites } from './backside-writes.js';

const RATE_LIMIT = 1500; // the Scale plan, per minute; reported, never enforced

const notFound = () => error(404, 'not_found', 'Contact not found');

/** Runtime switches and read access of the Backside fake, for tests. */
export interface BacksideControl {
  /** How the assumed (A) write endpoints answer: served (`'present'`, the default), 404 like no route, 405 or 501. */
  assumedWrites: AssumedWrites;
  /** Replay a create whose `Idempotency-Key` was seen before (same tenant). Default false: the header is ignored. */
  honourIdempotencyKey: boolean;
  /**
   * The next `n` successful writes (matching `match`, if given) take effect, then the socket is destroyed without
   * an answer: the caller sees a reset, the store has the change.
   */
  dropNextWriteAnswer(n?: number, match?: CallMatch): void;
  /** Drops still armed. */
  pendingDrops(): number;
  /** Every switch back to its default (drops disarmed, assumed writes present, idempotency keys ignored). */
  clear(): void;
  /** The live store: every contact of every tenant, soft-deleted ones included (the seed the fake was started with). */
  contacts(): BacksideContact[];
  /** How many stored contacts match (all when no predicate). */
  count(predicate?: (contact: BacksideContact) => boolean): number;
}

/** The Backside fake: a `FakeUpstream` with its `control`. */
export interface BacksideFake extends FakeUpstream {
  control: BacksideControl;
}

/** List and find answers carry the scalar fields only (backside.md: "A", list items). */
function summary(contact: BacksideContact): BacksideContact {
  const { addresses: _a, affiliations: _f, channels: _c, dates: _d, tags: _t, ...rest } = contact;
  return rest;
}

/** The list's stable order: created_at, then id. */
const listOrder = (a: BacksideContact, b: BacksideContact) =>
  (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id);

/**
 * Starts the fake on loopback. Writes change `seed` in place (it is the fake's store): start it with a fresh
 * `createSeed()` for a clean state. Soft-deleted contacts (`deleted_at` set) still answer GET and still list, like
 * the seeded one: callers filter them.
 */
export async function startBacksideFake(seed: Seed, options: FakeOptions = {}): Promise<BacksideFake> {
  const keys = new Map(seed.backside.tenants.map((tenant) => [tenant.apiKey, tenant]));
  const byId = new Map(seed.backside.contacts.map((contact) => [contact.id, contact]));
  const ordered = [...seed.backside.contacts].sort(listOrder);
  const drops = new WriteDrops();
  const settings: BacksideWriteSettings = { assumedWrites: 'present', honourIdempotencyKey: false };

  /** The caller's tenant; the auth check in front of the routes guarantees one. */
  const tenantOf = (request: FakeRequest): string | undefined => keys.get(bearer(request) ?? '')?.id;

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

  const store: BacksideStore = {
    seed: seed.backside,
    byId,
    insert(contact) {
      seed.backside.contacts.push(contact);
      byId.set(contact.id, contact);
      ordered.push(contact);
      ordered.sort(listOrder);
    },
    tenantOf,
    canWrite: (request) => {
      const scopes = keys.get(bearer(request) ?? '')?.scopes;
      return scopes === undefined || scopes.includes('contacts:write');
    },
    visible,
    settings,
  };
  const writes = backsideWriteRoutes(store);
  const noRoute = (request: FakeRequest) => error(404, 'not_found', `No route for ${request.method} ${request.path}`);
  const wrongMethod = (request: FakeRequest, allowed: string[]): FakeAnswer => ({
    ...error(405, 'method_not_allowed', `${request.method} is not allowed here`),
    headers: { allow: allowed.join(', ') },
  });

  const reads: Route[] = [
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
  ];
  /** What a Backside without the assumed endpoints serves: how it answers one of them when they are switched off. */
  const withoutAssumed = route([...reads, ...writes.documented], noRoute, wrongMethod);
  const absent = (request: FakeRequest): FakeAnswer => {
    if (settings.assumedWrites === 501) return error(501, 'not_implemented', 'Not implemented');
    if (settings.assumedWrites === 405) {
      const answer = withoutAssumed(request);
      return answer.status === 405 ? answer : error(405, 'method_not_allowed', `${request.method} is not allowed here`);
    }
    return noRoute(request);
  };
  const assumed: Route[] = writes.assumed.map(([method, pattern, handle]) => [
    method,
    pattern,
    (request, params) => (settings.assumedWrites === 'present' ? handle(request, params) : absent(request)),
  ]);
  const routes = route([...reads, ...writes.documented, ...assumed], noRoute, wrongMethod);

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

  const fake = await startFake(
    {
      // Backside's limit is per minute; writes carry the same headers as reads.
      handle: (request) => withRateLimit(handle(request), RATE_LIMIT, 60),
      internalError: () => error(500, 'internal_error', 'Something went wrong'),
      drops,
    },
    options,
  );
  const control: BacksideControl = {
    get assumedWrites() {
      return settings.assumedWrites;
    },
    set assumedWrites(value) {
      settings.assumedWrites = value;
    },
    get honourIdempotencyKey() {
      return settings.honourIdempotencyKey;
    },
    set honourIdempotencyKey(value) {
      settings.honourIdempotencyKey = value;
    },
    dropNextWriteAnswer: (n = 1, match = {}) => drops.arm(n, match),
    pendingDrops: () => drops.pending(),
    clear() {
      drops.clear();
      settings.assumedWrites = 'present';
      settings.honourIdempotencyKey = false;
    },
    contacts: () => seed.backside.contacts,
    count: (predicate = () => true) => seed.backside.contacts.filter(predicate).length,
  };
  return { ...fake, control };
}

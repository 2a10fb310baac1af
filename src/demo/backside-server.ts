// A fake of Backside's REST API (shared/upstreams/backside.md): auth and tenants, the documented endpoints, the
// assumed list envelope, documented error bodies and rate-limit headers.
import type { BacksideContact } from '../upstream/backside/types.js';
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

const error = (status: number, code: string, message: string, extra: object = {}): FakeAnswer => ({
  status,
  body: { error: { code, message }, ...extra },
});

/** List and find answers carry the scalar fields only (backside.md: "A", list items). */
function summary(contact: BacksideContact): BacksideContact {
  const { addresses: _a, affiliations: _f, channels: _c, dates: _d, tags: _t, ...rest } = contact;
  return rest;
}

const digits = (value: string) => value.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');

export function startBacksideFake(seed: Seed, options: FakeOptions = {}): Promise<FakeUpstream> {
  const tenantByKey = new Map(seed.backside.tenants.map((tenant) => [tenant.apiKey, tenant.id]));
  const byId = new Map(seed.backside.contacts.map((contact) => [contact.id, contact]));
  const ordered = [...seed.backside.contacts].sort(
    (a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id),
  );
  const resetAt = () => String(Math.floor(Date.now() / 1000) + 60);

  const routes = route(
    [
      ['GET', /^\/api\/v1\/contacts\/find-by-channel$/, (request, _params) => findByChannel(request)],
      [
        'GET',
        /^\/api\/v1\/contacts\/([^/]+)\/affiliations$/,
        (request, [id]) => {
          const contact = visible(request, id as string);
          return contact
            ? { status: 200, body: contact.affiliations ?? [] }
            : error(404, 'not_found', 'Contact not found');
        },
      ],
      [
        'GET',
        /^\/api\/v1\/contacts\/([^/]+)$/,
        (request, [id]) => {
          const contact = visible(request, id as string);
          return contact ? { status: 200, body: contact } : error(404, 'not_found', 'Contact not found');
        },
      ],
      ['GET', /^\/api\/v1\/contacts$/, (request) => list(request)],
    ],
    () => error(404, 'not_found', 'No such route'),
    () => error(405, 'method_not_allowed', 'Method not allowed'),
  );

  function tenantOf(request: FakeRequest): string {
    return tenantByKey.get(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '') as string;
  }

  function visible(request: FakeRequest, id: string): BacksideContact | undefined {
    const contact = byId.get(id);
    return contact && contact.tenant_id === tenantOf(request) ? contact : undefined;
  }

  function findByChannel(request: FakeRequest): FakeAnswer {
    const type = request.query.get('type');
    const value = request.query.get('value');
    if (!type || !value) return error(400, 'invalid_request', 'type and value are required');
    const wanted = type === 'email' ? value.trim().toLowerCase() : digits(value);
    const tenant = tenantOf(request);
    const found = ordered.find(
      (contact) =>
        contact.tenant_id === tenant &&
        (contact.channels ?? []).some((channel) => {
          if (channel.type !== type) return false;
          const canonical = channel.canonical_value ?? channel.value;
          return type === 'email' ? canonical.trim().toLowerCase() === wanted : digits(canonical) === wanted;
        }),
    );
    return found ? { status: 200, body: summary(found) } : error(404, 'not_found', 'No contact with that channel');
  }

  function list(request: FakeRequest): FakeAnswer {
    const limitText = request.query.get('limit') ?? '50';
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100)
      return error(400, 'invalid_request', 'limit must be 1 to 100');
    const cursor = request.query.get('cursor');
    const offset = cursor ? decodeOffset(cursor) : 0;
    if (offset === null) return error(400, 'invalid_request', 'cursor is not valid');
    const q = request.query.get('q')?.toLowerCase();
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

  return startFake((request) => {
    const header = request.headers.authorization;
    let answer: FakeAnswer;
    if (!header) {
      answer = error(402, 'payment_required', 'No credentials were sent', {
        payment_options: [{ type: 'subscription', url: 'https://backside.example/pricing' }],
      });
    } else if (!tenantOf(request)) {
      answer = error(401, 'unauthorized', 'Invalid API key');
    } else {
      answer = routes(request);
    }
    return {
      ...answer,
      headers: {
        'x-ratelimit-limit': '1500',
        'x-ratelimit-remaining': '1499',
        'x-ratelimit-reset': resetAt(),
        ...answer.headers,
      },
    };
  }, options);
}

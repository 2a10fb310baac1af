// Unit tests of writes (issue 12): the unified→upstream mappers, refusal mapping, both writers against an injected
// fetch that answers like the upstreams (statuses and bodies from backside.md and intercom-openapi.yaml), the
// lost-answer create, no retry of creates, and the transport's per-credential coherence after a write.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../src/errors.js';
import { BacksideClient } from '../src/upstream/backside/client.js';
import { BacksideConnector } from '../src/upstream/backside/connector.js';
import { backsideRefusal, existingIdIn } from '../src/upstream/backside/refusal.js';
import {
  backsideChannelType,
  toBacksideAddress,
  toBacksideContact,
  toBacksidePatch,
} from '../src/upstream/backside/to-upstream.js';
import { BacksideWriter } from '../src/upstream/backside/writer.js';
import { isOutcomeUnknown, OutcomeUnknownError } from '../src/upstream/http/failure.js';
import { UpstreamHttp } from '../src/upstream/http/upstream-http.js';
import { IntercomClient } from '../src/upstream/intercom/client.js';
import { IntercomConnector } from '../src/upstream/intercom/connector.js';
import { intercomRefusal } from '../src/upstream/intercom/refusal.js';
import { toIntercomContact, toIntercomPatch } from '../src/upstream/intercom/to-upstream.js';
import { IntercomWriter } from '../src/upstream/intercom/writer.js';
import { fieldIn } from '../src/upstream/user-errors.js';

// ---------------------------------------------------------------------------------------------------------------
// A fake upstream: routes by `METHOD /path`, records every request (method, path with query, JSON body, headers).

interface Call {
  method: string;
  path: string;
  body: unknown;
  headers: Headers;
}
type Handler = (call: Call, index: number) => Response | Promise<Response>;

function upstream(routes: Record<string, Handler | Handler[]>) {
  const calls: Call[] = [];
  const seen = new Map<string, number>();
  const fetchFn = (async (input: Request | string | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    const call: Call = {
      method: request.method,
      path: url.pathname + url.search,
      body: text === '' ? undefined : JSON.parse(text),
      headers: request.headers,
    };
    calls.push(call);
    const key = `${request.method} ${url.pathname}`;
    const route = routes[key];
    if (!route) return json({ error: { code: 'route_not_found', message: `no route ${key}` } }, 404);
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    const handler = Array.isArray(route) ? route[Math.min(index, route.length - 1)] : route;
    return (handler as Handler)(call, index);
  }) as typeof fetch;
  return { calls, fetchFn, list: () => calls.map((call) => `${call.method} ${call.path}`) };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const empty = (status = 204) => new Response(null, { status });
/** fetch's own failure after the request went out: the connection was reset before an answer. */
const reset = (): never => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'ECONNRESET' }) });
};
const refusedConnection = (): never => {
  throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
};

const OPTIONS = { defaultRegion: 'US' };
const POLICY = { backoffMs: 1, maxBackoffMs: 2 };

// ---------------------------------------------------------------------------------------------------------------
// Backside

const BS = 'c0ffee00-0000-4000-8000-000000000001';
const ORG = 'c0ffee00-0000-4000-8000-0000000000a1';

function backsideContact(over: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    id: BS,
    tenant_id: 'tenant-1',
    kind: 'person',
    display_name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
    created_at: now,
    updated_at: now,
    addresses: [],
    affiliations: [],
    dates: [],
    tags: [],
    channels: [
      { id: 'ch-1', type: 'email', value: 'ada@example.com', canonical_value: 'ada@example.com', is_primary: true },
    ],
    ...over,
  };
}

function backside(routes: Record<string, Handler | Handler[]>) {
  const fake = upstream(routes);
  const http = new UpstreamHttp({
    source: 'BACKSIDE',
    baseUrl: 'http://backside.invalid',
    headers: { Authorization: 'Bearer bsk_test_key' },
    policy: POLICY,
    fetch: fake.fetchFn,
  });
  const client = new BacksideClient(http.scope());
  const writer = new BacksideWriter(client, new BacksideConnector(client, OPTIONS));
  return { ...fake, writer, http };
}

const backsideError = (status: number, code: string, message: string) => () =>
  json({ error: { code, message } }, status);

// ---------------------------------------------------------------------------------------------------------------
// Intercom

const IC = '6762f0ad1bb69f9f2193bb62';
const LEAD = '6762f0ad1bb69f9f2193bb70';

function intercomContact(over: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    type: 'contact',
    id: IC,
    workspace_id: 'ws',
    external_id: null,
    role: 'user',
    email: 'joe@example.com',
    phone: null,
    name: 'Joe Bloggs',
    created_at: now,
    updated_at: now,
    tags: { type: 'list', data: [], has_more: false, total_count: 0 },
    notes: { type: 'list', data: [], has_more: false, total_count: 0 },
    companies: { type: 'list', data: [], has_more: false, total_count: 0 },
    ...over,
  };
}

function intercom(routes: Record<string, Handler | Handler[]>, adminId?: string) {
  const fake = upstream(routes);
  const http = new UpstreamHttp({
    source: 'INTERCOM',
    baseUrl: 'http://intercom.invalid',
    headers: { Authorization: 'Bearer ic_token', 'Intercom-Version': '2.16' },
    policy: POLICY,
    fetch: fake.fetchFn,
  });
  const client = new IntercomClient(http.scope());
  const writer = new IntercomWriter(client, new IntercomConnector(client, OPTIONS), { adminId });
  return { ...fake, writer, http };
}

const intercomError = (status: number, code: string, message: string) => () =>
  json({ type: 'error.list', request_id: 'req-1', errors: [{ code, message }] }, status);

// ---------------------------------------------------------------------------------------------------------------

describe('unified → upstream mappers', () => {
  it('Backside create: scalars snake_cased, kind lowercased, email and phone as inline primary channels', () => {
    expect(
      toBacksideContact({
        kind: 'ORGANIZATION',
        name: 'Acme',
        givenName: 'A',
        email: 'a@acme.test',
        phone: '+14155550100',
        externalId: 'ext-1',
        avatarUrl: 'https://acme.test/a.png',
        customAttributes: { tier: 'gold' },
      }),
    ).toEqual({
      kind: 'organization',
      display_name: 'Acme',
      given_name: 'A',
      vcard_uid: 'ext-1',
      avatar_url: 'https://acme.test/a.png',
      metadata: { tier: 'gold' },
      channels: [
        { type: 'email', value: 'a@acme.test', is_primary: true },
        { type: 'phone', value: '+14155550100', is_primary: true },
      ],
    });
  });

  it('Backside patch keeps nulls (clears), leaves email/phone to channels, and is null when nothing scalar changes', () => {
    expect(toBacksidePatch({ name: null, nickname: 'Ada', email: 'x@y.test' })).toEqual({
      display_name: null,
      nickname: 'Ada',
    });
    expect(toBacksidePatch({ email: 'x@y.test' })).toBeNull();
  });

  it('Backside channel types and addresses', () => {
    expect(backsideChannelType({ type: 'SOCIAL', value: 'https://www.linkedin.com/in/ada' })).toBe('linkedin');
    expect(backsideChannelType({ type: 'SOCIAL', value: 'https://x.com/ada' })).toBe('twitter');
    expect(backsideChannelType({ type: 'WEBSITE', value: 'https://ada.test' })).toBe('custom');
    expect(toBacksideAddress({ street: '1 Main St', postalCode: '12345', countryCode: 'US', isPrimary: true })).toEqual(
      {
        street: '1 Main St',
        postal_code: '12345',
        country_code: 'US',
        is_primary: true,
      },
    );
  });

  it('Intercom create: one name joined from its parts, role user by default, unmapped fields not sent', () => {
    expect(
      toIntercomContact({
        givenName: 'Ada',
        middleName: 'King',
        familyName: 'Lovelace',
        prefix: 'Countess',
        language: 'en',
        email: 'ada@example.com',
        externalId: 'ext-1',
      }),
    ).toEqual({ role: 'user', name: 'Ada King Lovelace', email: 'ada@example.com', external_id: 'ext-1' });
    expect(toIntercomContact({ name: 'Ada', givenName: 'X', role: 'LEAD' })).toEqual({ role: 'lead', name: 'Ada' });
  });

  it('Intercom update: null clears, absent kept, nothing Intercom holds → null', () => {
    expect(toIntercomPatch({ name: null, phone: '+14155550100', role: 'LEAD' })).toEqual({
      role: 'lead',
      name: null,
      phone: '+14155550100',
    });
    expect(toIntercomPatch({ timezone: 'Europe/Paris' })).toBeNull();
  });
});

describe('refusal mapping', () => {
  it('reads a field of ours from an upstream message, longest name first', () => {
    expect(fieldIn('Display name is too long', { display_name: 'name', name: 'x' })).toBe('name');
    expect(fieldIn('email_verified needs email', { email: 'email', email_verified: 'v' })).toBe('v');
    expect(fieldIn('something else', { email: 'email' })).toBeUndefined();
  });

  it('Backside: a missing contact (not_found) is NOT_FOUND; an assumed route missing is UNSUPPORTED_BY_SOURCE', () => {
    const assumed = { what: 'contact', recordField: 'id', assumed: true };
    const notFound = { error: { code: 'not_found', message: 'contact not found' } };
    expect(backsideRefusal(404, notFound, assumed)).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(backsideRefusal(404, null, assumed).code).toBe('UNSUPPORTED_BY_SOURCE');
    expect(backsideRefusal(404, { error: { code: 'route_not_found', message: 'x' } }, assumed).code).toBe(
      'UNSUPPORTED_BY_SOURCE',
    );
    // A documented endpoint's 404 is always the contact.
    expect(backsideRefusal(404, null, { ...assumed, assumed: false }).code).toBe('NOT_FOUND');
    expect(backsideRefusal(405, null, assumed).code).toBe('UNSUPPORTED_BY_SOURCE');
    expect(backsideRefusal(501, null, assumed).code).toBe('UNSUPPORTED_BY_SOURCE');
  });

  it('Backside: 409 names the existing id; 400/422 the field; messages are ours', () => {
    const conflict = { error: { code: 'conflict', message: `email already used by contact ${BS}` } };
    const error = backsideRefusal(409, conflict, { what: 'contact', recordField: 'id', assumed: false });
    expect(error).toMatchObject({ code: 'TAKEN', field: 'email', existingId: BS });
    expect(error.message).not.toContain('already used');
    expect(existingIdIn({ error: { code: 'conflict', message: 'taken', existing_id: 'abc' } })).toBe('abc');
    const invalid = backsideRefusal(
      422,
      { error: { code: 'validation_failed', message: 'given_name is too long' } },
      { what: 'contact', recordField: 'id', assumed: false },
    );
    expect(invalid).toMatchObject({ code: 'INVALID', field: 'givenName' });
  });

  it('Intercom: 409 id=…, company_not_found, a user not found', () => {
    const context = { what: 'contact', recordField: 'contactId' };
    const conflict = {
      type: 'error.list',
      errors: [
        {
          code: 'conflict',
          message: 'A contact matching those details already exists with id=5ba682d23d7cf92bef87bfd4',
        },
      ],
    };
    expect(intercomRefusal(409, conflict, context)).toMatchObject({
      code: 'TAKEN',
      existingId: '5ba682d23d7cf92bef87bfd4',
    });
    const company = { type: 'error.list', errors: [{ code: 'company_not_found', message: 'Company Not Found' }] };
    expect(intercomRefusal(404, company, context)).toMatchObject({ code: 'NOT_FOUND', field: 'companyId' });
    const user = { type: 'error.list', errors: [{ code: 'not_found', message: 'User Not Found' }] };
    expect(intercomRefusal(404, user, context)).toMatchObject({ code: 'NOT_FOUND', field: 'contactId' });
  });
});

describe('BacksideWriter', () => {
  it('createContact: one POST with an Idempotency-Key; a full answer is the contact (no read)', async () => {
    const up = backside({ 'POST /api/v1/contacts': () => json(backsideContact(), 201) });
    const result = await up.writer.createContact({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(result).toMatchObject({ ok: true, value: { sourceId: BS, email: 'ada@example.com' } });
    expect(up.list()).toEqual(['POST /api/v1/contacts']);
    expect(up.calls[0]?.body).toEqual({
      display_name: 'Ada Lovelace',
      channels: [{ type: 'email', value: 'ada@example.com', is_primary: true }],
    });
    expect(up.calls[0]?.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('createContact: a Backside that ignored the inline channel gets it added (POST …/channels), then a read', async () => {
    const up = backside({
      'POST /api/v1/contacts': () => json(backsideContact({ channels: [] }), 201),
      [`POST /api/v1/contacts/${BS}/channels`]: () =>
        json({ id: 'ch-1', type: 'email', value: 'ada@example.com' }, 201),
      [`GET /api/v1/contacts/${BS}`]: () => json(backsideContact()),
    });
    const result = await up.writer.createContact({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(result).toMatchObject({ ok: true, value: { email: 'ada@example.com' } });
    expect(up.list()).toEqual([
      'POST /api/v1/contacts',
      `POST /api/v1/contacts/${BS}/channels`,
      `GET /api/v1/contacts/${BS}`,
    ]);
    expect(up.calls[1]?.body).toEqual({ type: 'email', value: 'ada@example.com', is_primary: true });
  });

  it('createContact: 409 → TAKEN with the existing id, 400 → INVALID with the field; role → UNSUPPORTED, no call', async () => {
    const taken = backside({
      'POST /api/v1/contacts': backsideError(409, 'conflict', `email ada@example.com already belongs to id=${BS}`),
    });
    expect(await taken.writer.createContact({ email: 'ada@example.com' })).toEqual({
      ok: false,
      errors: [expect.objectContaining({ code: 'TAKEN', field: 'email', existingId: BS })],
    });
    const invalid = backside({
      'POST /api/v1/contacts': backsideError(400, 'invalid_request', 'avatar_url must be an absolute URL'),
    });
    expect(await invalid.writer.createContact({ avatarUrl: 'x' })).toMatchObject({
      ok: false,
      errors: [{ code: 'INVALID', field: 'avatarUrl' }],
    });
    const role = backside({});
    expect(await role.writer.createContact({ role: 'LEAD' })).toMatchObject({
      ok: false,
      errors: [{ code: 'UNSUPPORTED_BY_SOURCE', field: 'role' }],
    });
    expect(role.calls).toHaveLength(0);
  });

  it('createContact: the answer lost after sending is resolved by looking up the email; exactly one POST', async () => {
    const found = backsideContact();
    const { addresses: _a, affiliations: _f, channels: _c, dates: _d, tags: _t, ...summary } = found;
    const up = backside({
      'POST /api/v1/contacts': reset,
      'GET /api/v1/contacts/find-by-channel': () => json(summary),
      [`GET /api/v1/contacts/${BS}`]: () => json(found),
    });
    const result = await up.writer.createContact({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(result).toMatchObject({ ok: true, value: { sourceId: BS } });
    expect(up.list()).toEqual([
      'POST /api/v1/contacts',
      'GET /api/v1/contacts/find-by-channel?type=email&value=ada%40example.com',
      `GET /api/v1/contacts/${BS}`,
    ]);
  });

  it('createContact: a lost answer whose lookup finds nothing throws outcome unknown, still one POST', async () => {
    const up = backside({
      'POST /api/v1/contacts': reset,
      'GET /api/v1/contacts': () => json({ data: [], next_cursor: null }),
      'GET /api/v1/contacts/find-by-channel': backsideError(404, 'not_found', 'no contact'),
    });
    const error = await up.writer.createContact({ email: 'ada@example.com', externalId: 'ext-9' }).catch((e) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'BACKSIDE', outcomeUnknown: true });
    expect(error.message).toMatch(/may or may not have been created/);
    expect(error.message).not.toMatch(/backside\.invalid|bsk_/);
    expect(up.list().filter((call) => call.startsWith('POST'))).toEqual(['POST /api/v1/contacts']);
    expect(up.list()).toContain('GET /api/v1/contacts?q=ext-9&limit=100');
  });

  it('createContact: a found record older than the attempt held the value already → TAKEN', async () => {
    const old = backsideContact({ created_at: '2020-01-01T00:00:00Z' });
    const up = backside({
      'POST /api/v1/contacts': reset,
      'GET /api/v1/contacts/find-by-channel': () => json(old),
    });
    expect(await up.writer.createContact({ email: 'ada@example.com' })).toMatchObject({
      ok: false,
      errors: [{ code: 'TAKEN', field: 'email', existingId: BS }],
    });
  });

  it('a create answered 503 is not retried and is a plain failure (the upstream answered: nothing done)', async () => {
    const up = backside({ 'POST /api/v1/contacts': () => json({ error: { code: 'x', message: 'y' } }, 503) });
    const error = await up.writer.createContact({ name: 'A' }).catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(up.calls).toHaveLength(1);
  });

  it('a create refused before sending (connection refused) is known not sent', async () => {
    const up = backside({ 'POST /api/v1/contacts': refusedConnection });
    const error = await up.writer.createContact({ name: 'A' }).catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(up.calls).toHaveLength(1);
  });

  it('updateContact: read, PATCH of the scalars, a new primary email channel, read again', async () => {
    const after = backsideContact({
      nickname: 'Countess',
      channels: [
        { id: 'ch-2', type: 'email', value: 'ada@new.test', canonical_value: 'ada@new.test', is_primary: true },
      ],
    });
    const up = backside({
      [`GET /api/v1/contacts/${BS}`]: [() => json(backsideContact()), () => json(after)],
      [`PATCH /api/v1/contacts/${BS}`]: () => json(after),
      [`POST /api/v1/contacts/${BS}/channels`]: () => json({ id: 'ch-2' }, 201),
    });
    const result = await up.writer.updateContact(BS, { nickname: 'Countess', email: 'ada@new.test' });
    expect(result).toMatchObject({ ok: true, value: { nickname: 'Countess', email: 'ada@new.test' } });
    expect(up.list()).toEqual([
      `GET /api/v1/contacts/${BS}`,
      `PATCH /api/v1/contacts/${BS}`,
      `POST /api/v1/contacts/${BS}/channels`,
      `GET /api/v1/contacts/${BS}`,
    ]);
    expect(up.calls[1]?.body).toEqual({ nickname: 'Countess' });
    expect(up.calls[2]?.body).toEqual({ type: 'email', value: 'ada@new.test', is_primary: true });
  });

  it('updateContact: PATCH missing on this Backside (404 for the route, 405, 501) → UNSUPPORTED; a missing contact → NOT_FOUND', async () => {
    for (const answer of [() => new Response('Not Found', { status: 404 }), () => empty(405), () => empty(501)]) {
      const up = backside({
        [`GET /api/v1/contacts/${BS}`]: () => json(backsideContact()),
        [`PATCH /api/v1/contacts/${BS}`]: answer,
      });
      expect(await up.writer.updateContact(BS, { nickname: 'x' })).toMatchObject({
        ok: false,
        errors: [{ code: 'UNSUPPORTED_BY_SOURCE' }],
      });
    }
    const missing = backside({ [`GET /api/v1/contacts/${BS}`]: backsideError(404, 'not_found', 'Contact not found') });
    expect(await missing.writer.updateContact(BS, { nickname: 'x' })).toMatchObject({
      ok: false,
      errors: [{ code: 'NOT_FOUND', field: 'id' }],
    });
    expect(missing.list()).toEqual([`GET /api/v1/contacts/${BS}`]);
  });

  it('deleteContact: DELETE answered 204 → the id; permanently → UNSUPPORTED without a call', async () => {
    const up = backside({ [`DELETE /api/v1/contacts/${BS}`]: () => empty(204) });
    expect(await up.writer.deleteContact(BS, { permanently: false })).toEqual({ ok: true, value: BS });
    expect(up.list()).toEqual([`DELETE /api/v1/contacts/${BS}`]);
    expect(await up.writer.deleteContact(BS, { permanently: true })).toMatchObject({
      ok: false,
      errors: [{ code: 'UNSUPPORTED_BY_SOURCE', field: 'permanently' }],
    });
    expect(up.calls).toHaveLength(1);
  });

  it('tagContact: POST …/tags {name}, read again; untagContact: DELETE …/tags/{tag_id} of the named tag', async () => {
    const tagged = backsideContact({ tags: [{ id: 'tag-1', name: 'VIP' }] });
    const up = backside({
      [`POST /api/v1/contacts/${BS}/tags`]: () => json({ id: 'tag-1', name: 'VIP' }, 201),
      [`GET /api/v1/contacts/${BS}`]: [() => json(tagged), () => json(tagged), () => json(backsideContact())],
      [`DELETE /api/v1/contacts/${BS}/tags/tag-1`]: () => empty(204),
    });
    expect(await up.writer.tagContact(BS, 'VIP')).toMatchObject({ ok: true });
    expect(up.calls[0]?.body).toEqual({ name: 'VIP' });
    expect(await up.writer.untagContact(BS, ' vip ')).toMatchObject({ ok: true });
    expect(up.list()).toEqual([
      `POST /api/v1/contacts/${BS}/tags`,
      `GET /api/v1/contacts/${BS}`,
      `GET /api/v1/contacts/${BS}`,
      `DELETE /api/v1/contacts/${BS}/tags/tag-1`,
      `GET /api/v1/contacts/${BS}`,
    ]);
  });

  it('tagContact on a Backside without the tags endpoint (501) → UNSUPPORTED_BY_SOURCE', async () => {
    const up = backside({ [`POST /api/v1/contacts/${BS}/tags`]: backsideError(501, 'not_implemented', 'no') });
    expect(await up.writer.tagContact(BS, 'VIP')).toMatchObject({
      ok: false,
      errors: [{ code: 'UNSUPPORTED_BY_SOURCE' }],
    });
  });

  it('addChannel and addAddress: one POST each with the mapped body; 404 of the contact → NOT_FOUND contactId', async () => {
    const up = backside({
      [`POST /api/v1/contacts/${BS}/channels`]: () => json({ id: 'ch-9' }, 201),
      [`POST /api/v1/contacts/${BS}/addresses`]: () => json({ id: 'ad-9' }, 201),
      [`GET /api/v1/contacts/${BS}`]: () => json(backsideContact()),
    });
    await up.writer.addChannel(BS, { type: 'PHONE', value: '+14155550100', label: 'work', isPrimary: false });
    await up.writer.addAddress(BS, { city: 'Paris', countryCode: 'FR', isPrimary: true });
    expect(up.calls.map((call) => call.body).filter(Boolean)).toEqual([
      { type: 'phone', value: '+14155550100', label: 'work', is_primary: false },
      { city: 'Paris', country_code: 'FR', is_primary: true },
    ]);
    const missing = backside({
      [`POST /api/v1/contacts/${BS}/channels`]: backsideError(404, 'not_found', 'Contact not found'),
    });
    expect(await missing.writer.addChannel(BS, { type: 'EMAIL', value: 'a@b.test', isPrimary: false })).toMatchObject({
      ok: false,
      errors: [{ code: 'NOT_FOUND', field: 'contactId' }],
    });
  });

  it('addNote and mergeContacts → UNSUPPORTED_BY_SOURCE without a call', async () => {
    const up = backside({});
    expect(await up.writer.addNote()).toMatchObject({ ok: false, errors: [{ code: 'UNSUPPORTED_BY_SOURCE' }] });
    expect(await up.writer.mergeContacts()).toMatchObject({ ok: false, errors: [{ code: 'UNSUPPORTED_BY_SOURCE' }] });
    expect(up.calls).toHaveLength(0);
  });

  it('attachCompany POSTs an affiliation; detachCompany finds it by organization id and DELETEs it', async () => {
    const up = backside({
      [`POST /api/v1/contacts/${BS}/affiliations`]: () => json({ id: 'af-1', organization_id: ORG }, 201),
      [`GET /api/v1/contacts/${BS}`]: () => json(backsideContact({ affiliations: undefined })),
      [`GET /api/v1/contacts/${BS}/affiliations`]: () =>
        json([
          { id: 'af-0', organization_id: 'other' },
          { id: 'af-1', organization_id: ORG },
        ]),
      [`DELETE /api/v1/contacts/${BS}/affiliations/af-1`]: () => empty(204),
    });
    expect(await up.writer.attachCompany(BS, ORG, 'CTO')).toMatchObject({ ok: true });
    expect(up.calls[0]?.body).toEqual({ organization_id: ORG, title: 'CTO', is_current: true });
    expect(await up.writer.detachCompany(BS, ORG)).toMatchObject({ ok: true });
    expect(up.list()).toContain(`DELETE /api/v1/contacts/${BS}/affiliations/af-1`);
    expect(up.list()).not.toContain(`DELETE /api/v1/contacts/${BS}/affiliations/af-0`);
  });

  it('attachCompany: an unknown organization → NOT_FOUND companyId', async () => {
    const up = backside({
      [`POST /api/v1/contacts/${BS}/affiliations`]: backsideError(404, 'not_found', 'organization not found'),
    });
    expect(await up.writer.attachCompany(BS, ORG)).toMatchObject({
      ok: false,
      errors: [{ code: 'NOT_FOUND', field: 'companyId' }],
    });
  });
});

describe('IntercomWriter', () => {
  it('createContact: POST /contacts with the mapped body; the answer is the contact (one call)', async () => {
    const up = intercom({ 'POST /contacts': () => json(intercomContact()) });
    const result = await up.writer.createContact({ givenName: 'Joe', familyName: 'Bloggs', email: 'joe@example.com' });
    expect(result).toMatchObject({ ok: true, value: { sourceId: IC, displayName: 'Joe Bloggs' } });
    expect(up.list()).toEqual(['POST /contacts']);
    expect(up.calls[0]?.body).toEqual({ role: 'user', name: 'Joe Bloggs', email: 'joe@example.com' });
    expect(up.calls[0]?.headers.get('intercom-version')).toBe('2.16');
  });

  it('createContact: 409 → TAKEN with the id; a kind other than PERSON → UNSUPPORTED without a call', async () => {
    const up = intercom({
      'POST /contacts': intercomError(
        409,
        'conflict',
        'A contact matching those details already exists with id=abc123',
      ),
    });
    expect(await up.writer.createContact({ email: 'joe@example.com' })).toMatchObject({
      ok: false,
      errors: [{ code: 'TAKEN', field: 'email', existingId: 'abc123' }],
    });
    const kind = intercom({});
    expect(await kind.writer.createContact({ kind: 'ORGANIZATION', name: 'Acme' })).toMatchObject({
      ok: false,
      errors: [{ code: 'UNSUPPORTED_BY_SOURCE', field: 'kind' }],
    });
    expect(kind.calls).toHaveLength(0);
  });

  it('createContact: a lost answer of a user with an external id is read by it directly (no search lag)', async () => {
    const up = intercom({
      'POST /contacts': reset,
      'GET /contacts/find_by_external_id/ext-1': () => json(intercomContact({ external_id: 'ext-1' })),
    });
    const result = await up.writer.createContact({ email: 'joe@example.com', externalId: 'ext-1' });
    expect(result).toMatchObject({ ok: true, value: { sourceId: IC } });
    expect(up.list()).toEqual(['POST /contacts', 'GET /contacts/find_by_external_id/ext-1']);
  });

  it('createContact: a lost answer not found by external id is searched by external id or email; one POST', async () => {
    const up = intercom({
      'POST /contacts': reset,
      'GET /contacts/find_by_external_id/ext-1': () =>
        json({ type: 'error.list', errors: [{ code: 'not_found', message: 'User Not Found' }] }, 404),
      'POST /contacts/search': () =>
        json({ type: 'list', data: [intercomContact({ external_id: 'ext-1' })], total_count: 1 }),
    });
    const result = await up.writer.createContact({ email: 'joe@example.com', externalId: 'ext-1' });
    expect(result).toMatchObject({ ok: true, value: { sourceId: IC } });
    expect(up.list()).toEqual(['POST /contacts', 'GET /contacts/find_by_external_id/ext-1', 'POST /contacts/search']);
    expect(up.calls[2]?.body).toMatchObject({
      query: {
        operator: 'OR',
        value: [
          { field: 'external_id', operator: '=', value: 'ext-1' },
          { field: 'email', operator: '=', value: 'joe@example.com' },
        ],
      },
    });
  });

  it('createContact: a lost answer the (lagging) search does not find → outcome unknown, one POST /contacts', async () => {
    const up = intercom({
      'POST /contacts': reset,
      'POST /contacts/search': () => json({ type: 'list', data: [], total_count: 0 }),
    });
    const error = await up.writer.createContact({ email: 'joe@example.com' }).catch((e) => e);
    expect(isOutcomeUnknown(error)).toBe(true);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'INTERCOM' });
    expect(error.message).toMatch(/may or may not have been created.*not send it again.*search/);
    expect(up.list().filter((call) => call === 'POST /contacts')).toHaveLength(1);
  });

  it('a create answered 504 by a proxy is looked up (the origin may have made it), never sent again', async () => {
    const up = intercom({
      'POST /contacts': intercomError(504, 'gateway_timeout', 'upstream timed out'),
      'POST /contacts/search': () => json({ type: 'list', data: [intercomContact({})], total_count: 1 }),
    });
    const result = await up.writer.createContact({ email: 'joe@example.com' });
    expect(result).toMatchObject({ ok: true, value: { sourceId: IC } });
    expect(up.list()).toEqual(['POST /contacts', 'POST /contacts/search']);
  });

  it('a create answered 500 is not retried', async () => {
    const up = intercom({ 'POST /contacts': intercomError(500, 'server_error', 'boom') });
    await expect(up.writer.createContact({ email: 'joe@example.com' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(up.calls).toHaveLength(1);
  });

  it('updateContact: PUT /contacts/{id} with the patch; 400 → INVALID with the field', async () => {
    const up = intercom({ [`PUT /contacts/${IC}`]: () => json(intercomContact({ name: 'Joe B' })) });
    expect(await up.writer.updateContact(IC, { name: 'Joe B', timezone: 'UTC' })).toMatchObject({
      ok: true,
      value: { displayName: 'Joe B' },
    });
    expect(up.calls[0]?.body).toEqual({ name: 'Joe B' });
    const bad = intercom({ [`PUT /contacts/${IC}`]: intercomError(400, 'parameter_invalid', 'Email is invalid') });
    expect(await bad.writer.updateContact(IC, { email: 'nope' })).toMatchObject({
      ok: false,
      errors: [{ code: 'INVALID', field: 'email' }],
    });
    const gone = intercom({ [`PUT /contacts/${IC}`]: intercomError(404, 'not_found', 'User Not Found') });
    expect(await gone.writer.updateContact(IC, { name: 'x' })).toMatchObject({
      ok: false,
      errors: [{ code: 'NOT_FOUND', field: 'id' }],
    });
  });

  it('deleteContact archives by default and DELETEs with permanently', async () => {
    const up = intercom({
      [`POST /contacts/${IC}/archive`]: () => json({ id: IC, external_id: null, type: 'contact', archived: true }),
      [`DELETE /contacts/${IC}`]: () => json({ id: IC, external_id: null, type: 'contact', deleted: true }),
    });
    expect(await up.writer.deleteContact(IC, { permanently: false })).toEqual({ ok: true, value: IC });
    expect(await up.writer.deleteContact(IC, { permanently: true })).toEqual({ ok: true, value: IC });
    expect(up.list()).toEqual([`POST /contacts/${IC}/archive`, `DELETE /contacts/${IC}`]);
  });

  it('tagContact: the contact read, POST /tags {name}, POST /contacts/{id}/tags {id}, the contact read again', async () => {
    const up = intercom({
      'POST /tags': () => json({ type: 'tag', id: '81', name: 'VIP' }),
      [`POST /contacts/${IC}/tags`]: () => json({ type: 'tag', id: '81', name: 'VIP' }),
      [`GET /contacts/${IC}`]: () => json(intercomContact()),
    });
    expect(await up.writer.tagContact(IC, 'VIP')).toMatchObject({ ok: true });
    expect(up.list()).toEqual([
      `GET /contacts/${IC}`,
      'POST /tags',
      `POST /contacts/${IC}/tags`,
      `GET /contacts/${IC}`,
    ]);
    expect(up.calls.map((call) => call.body)).toEqual([undefined, { name: 'VIP' }, { id: '81' }, undefined]);
  });

  it('untagContact: the tag id from the tag list, DELETE …/tags/{id}; an unknown tag is success without a DELETE', async () => {
    const up = intercom({
      'GET /tags': () => json({ type: 'list', data: [{ type: 'tag', id: '81', name: 'VIP' }] }),
      [`DELETE /contacts/${IC}/tags/81`]: () => json({ type: 'tag', id: '81', name: 'VIP' }),
      [`GET /contacts/${IC}`]: () => json(intercomContact()),
    });
    expect(await up.writer.untagContact(IC, 'vip')).toMatchObject({ ok: true });
    expect(up.list()).toEqual(['GET /tags', `DELETE /contacts/${IC}/tags/81`, `GET /contacts/${IC}`]);
    expect(await up.writer.untagContact(IC, 'nope')).toMatchObject({ ok: true, value: { sourceId: IC } });
    expect(up.list().filter((call) => call.startsWith('DELETE'))).toHaveLength(1);
  });

  it('addNote: REQUIRED without an admin (no call); with one, POST …/notes {body, admin_id}', async () => {
    const none = intercom({});
    const required = await none.writer.addNote(IC, 'Hello');
    expect(required).toMatchObject({ ok: false, errors: [{ code: 'REQUIRED' }] });
    expect(required.ok ? null : required.errors[0]?.field).toBeUndefined();
    expect(none.calls).toHaveLength(0);
    const up = intercom(
      {
        [`POST /contacts/${IC}/notes`]: () =>
          json({
            type: 'note',
            id: '31',
            created_at: 1734537390,
            contact: { type: 'contact', id: IC },
            author: { type: 'admin', id: '991267583', name: 'Ciaran124 Lee' },
            body: '<p>Hello</p>',
          }),
        [`GET /contacts/${IC}`]: () => json(intercomContact()),
      },
      '991267583',
    );
    const result = await up.writer.addNote(IC, 'Hello');
    expect(result).toMatchObject({
      ok: true,
      value: { note: { sourceId: '31', contactId: IC }, contact: { sourceId: IC } },
    });
    expect(up.calls[0]?.body).toEqual({ body: 'Hello', admin_id: '991267583' });
  });

  it('addChannel: an email on a contact without one is a PUT; a second email, or a social profile, is UNSUPPORTED', async () => {
    const up = intercom({
      [`GET /contacts/${IC}`]: () => json(intercomContact({ email: null })),
      [`PUT /contacts/${IC}`]: () => json(intercomContact({ email: 'joe@new.test' })),
    });
    expect(await up.writer.addChannel(IC, { type: 'EMAIL', value: 'joe@new.test', isPrimary: true })).toMatchObject({
      ok: true,
      value: { email: 'joe@new.test' },
    });
    expect(up.calls[1]?.body).toEqual({ email: 'joe@new.test' });
    const full = intercom({ [`GET /contacts/${IC}`]: () => json(intercomContact()) });
    expect(await full.writer.addChannel(IC, { type: 'EMAIL', value: 'other@x.test', isPrimary: false })).toMatchObject({
      ok: false,
      errors: [{ code: 'UNSUPPORTED_BY_SOURCE', field: 'value' }],
    });
    expect(
      await full.writer.addChannel(IC, { type: 'SOCIAL', value: 'https://x.com/j', isPrimary: false }),
    ).toMatchObject({
      ok: false,
      errors: [{ code: 'UNSUPPORTED_BY_SOURCE', field: 'type' }],
    });
    expect(full.list().some((call) => call.startsWith('PUT'))).toBe(false);
  });

  it('attach and detach a company by id; company_not_found → NOT_FOUND companyId', async () => {
    const company = { type: 'company', id: 'co-1', company_id: '1', name: 'company6' };
    const up = intercom({
      [`POST /contacts/${IC}/companies`]: () => json(company),
      [`DELETE /contacts/${IC}/companies/co-1`]: () => json(company),
      [`GET /contacts/${IC}`]: () => json(intercomContact()),
    });
    expect(await up.writer.attachCompany(IC, 'co-1')).toMatchObject({ ok: true });
    expect(await up.writer.detachCompany(IC, 'co-1')).toMatchObject({ ok: true });
    expect(up.list()).toEqual([
      `POST /contacts/${IC}/companies`,
      `GET /contacts/${IC}`,
      `DELETE /contacts/${IC}/companies/co-1`,
      `GET /contacts/${IC}`,
    ]);
    expect(up.calls[0]?.body).toEqual({ id: 'co-1' });
    const missing = intercom({
      [`POST /contacts/${IC}/companies`]: intercomError(404, 'company_not_found', 'Company Not Found'),
    });
    expect(await missing.writer.attachCompany(IC, 'co-x')).toMatchObject({
      ok: false,
      errors: [{ code: 'NOT_FOUND', field: 'companyId' }],
    });
  });

  it('mergeContacts: both read in one search, POST /contacts/merge {from, into}; a user as `from` is INVALID first', async () => {
    const lead = intercomContact({ id: LEAD, role: 'lead', name: 'Lead' });
    const user = intercomContact();
    const up = intercom({
      'POST /contacts/search': () => json({ type: 'list', data: [lead, user], total_count: 2 }),
      'POST /contacts/merge': () => json(user),
    });
    expect(await up.writer.mergeContacts(LEAD, IC)).toMatchObject({ ok: true, value: { sourceId: IC } });
    expect(up.list()).toEqual(['POST /contacts/search', 'POST /contacts/merge']);
    expect(up.calls[1]?.body).toEqual({ from: LEAD, into: IC });
    const users = intercom({
      'POST /contacts/search': () => json({ type: 'list', data: [intercomContact({ id: LEAD }), user] }),
    });
    expect(await users.writer.mergeContacts(LEAD, IC)).toMatchObject({
      ok: false,
      errors: [{ code: 'INVALID', field: 'fromId' }],
    });
    expect(users.list()).not.toContain('POST /contacts/merge');
  });

  it('mergeContacts: Intercom’s invalid_merge → INVALID fromId', async () => {
    const up = intercom({
      'POST /contacts/search': () =>
        json({ type: 'list', data: [intercomContact({ id: LEAD, role: 'lead' }), intercomContact()] }),
      'POST /contacts/merge': intercomError(
        400,
        'invalid_merge',
        'Contacts can only be merged when they are duplicates',
      ),
    });
    expect(await up.writer.mergeContacts(LEAD, IC)).toMatchObject({
      ok: false,
      errors: [{ code: 'INVALID', field: 'fromId' }],
    });
  });
});

describe('transport for writes', () => {
  it('PUT, PATCH and DELETE go out as such; an empty 2xx answers body null; answered refusals carry their body', async () => {
    const fake = upstream({
      'DELETE /x': () => empty(204),
      'PATCH /x': () => new Response('', { status: 200 }),
      'PUT /x': () => json({ error: { code: 'conflict', message: 'taken' } }, 409),
      'POST /x': () => new Response('<html>nope</html>', { status: 422 }),
    });
    const http = new UpstreamHttp({
      source: 'BACKSIDE',
      baseUrl: 'http://u.invalid',
      headers: {},
      fetch: fake.fetchFn,
    });
    expect((await http.request('/x', { method: 'DELETE' })).body).toBeNull();
    expect((await http.request('/x', { method: 'PATCH', json: {} })).body).toBeNull();
    const conflict = await http.request('/x', { method: 'PUT', json: {}, answer: [409] });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    const notJson = await http.request('/x', { method: 'POST', json: {}, answer: [422] });
    expect(notJson).toMatchObject({ status: 422, body: null });
    expect(fake.list()).toEqual(['DELETE /x', 'PATCH /x', 'PUT /x', 'POST /x']);
  });

  it('an idempotent PUT is retried on a reset; a POST is not, and says its outcome is unknown', async () => {
    const fake = upstream({ 'PUT /x': [reset, () => json({ ok: 1 })], 'POST /x': reset });
    const http = new UpstreamHttp({
      source: 'INTERCOM',
      baseUrl: 'http://u.invalid',
      headers: {},
      policy: POLICY,
      fetch: fake.fetchFn,
    });
    expect((await http.request('/x', { method: 'PUT', json: {}, idempotent: true })).body).toEqual({ ok: 1 });
    const error = await http.request('/x', { method: 'POST', json: {} }).catch((e) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', outcomeUnknown: true });
    expect(fake.list()).toEqual(['PUT /x', 'PUT /x', 'POST /x']);
  });

  it('a write whose attempt times out after sending is outcome unknown (UPSTREAM_TIMEOUT)', async () => {
    const fake = upstream({
      'POST /x': (_call) => new Promise<Response>(() => {}),
    });
    const http = new UpstreamHttp({
      source: 'INTERCOM',
      baseUrl: 'http://u.invalid',
      headers: {},
      policy: { ...POLICY, timeoutMs: 30 },
      fetch: fake.fetchFn,
    });
    const error = await http.request('/x', { method: 'POST', json: {} }).catch((e) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', outcomeUnknown: true });
  });

  it('a write refused before sending (deadline passed) is not outcome unknown and never reaches fetch', async () => {
    const fake = upstream({ 'POST /x': () => json({}) });
    const http = new UpstreamHttp({
      source: 'INTERCOM',
      baseUrl: 'http://u.invalid',
      headers: {},
      fetch: fake.fetchFn,
    });
    const error = await http.request('/x', { method: 'POST', json: {} }, { deadline: Date.now() - 1 }).catch((e) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(isOutcomeUnknown(error)).toBe(false);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('coherence after a write', () => {
  const A = { headers: { Authorization: 'Bearer tenant-a' } };
  const B = { headers: { Authorization: 'Bearer tenant-b' } };

  function setup() {
    const pending: (() => void)[] = [];
    const fake = upstream({
      'GET /tags': (call) =>
        json({ type: 'list', data: [{ type: 'tag', id: '1', name: call.headers.get('authorization') }] }),
      'GET /slow': () =>
        new Promise<Response>((resolve) => {
          pending.push(() => resolve(json({ v: 1 })));
        }),
      'POST /contacts/1/tags': () => json({ type: 'tag', id: '1', name: 'x' }),
    });
    const http = new UpstreamHttp({
      source: 'INTERCOM',
      baseUrl: 'http://u.invalid',
      headers: {},
      fetch: fake.fetchFn,
    });
    return {
      fake,
      http,
      release: () => {
        for (const resolve of pending.splice(0)) resolve();
      },
    };
  }
  const tags = (http: UpstreamHttp, scope: typeof A) => http.request('/tags', { cacheTtlMs: 60_000 }, scope);
  const write = (http: UpstreamHttp, scope: typeof A) =>
    http.request('/contacts/1/tags', { method: 'POST', json: { id: '1' }, idempotent: true, write: true }, scope);

  it('a cached tag list is not served after a write by the same credential, and is for another credential', async () => {
    const { fake, http } = setup();
    await tags(http, A);
    await tags(http, B);
    await tags(http, A);
    expect(fake.list().filter((call) => call === 'GET /tags')).toHaveLength(2);
    await write(http, A);
    await tags(http, A);
    await tags(http, B);
    // A read again after its write; B's cached answer still served.
    expect(fake.list()).toEqual(['GET /tags', 'GET /tags', 'POST /contacts/1/tags', 'GET /tags']);
    expect(fake.calls[3]?.headers.get('authorization')).toBe('Bearer tenant-a');
  });

  it('a read in flight from before a write is not joined after it by the same credential, and is by another', async () => {
    const { fake, http, release } = setup();
    const firstA = http.request('/slow', {}, A);
    const firstB = http.request('/slow', {}, B);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await write(http, A);
    const secondA = http.request('/slow', {}, A);
    const secondB = http.request('/slow', {}, B);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const slow = () => fake.calls.filter((call) => call.path === '/slow');
    // A: one before the write, one after. B: its second read joined its first.
    expect(slow().map((call) => call.headers.get('authorization'))).toEqual([
      'Bearer tenant-a',
      'Bearer tenant-b',
      'Bearer tenant-a',
    ]);
    release();
    await Promise.all([firstA, firstB, secondA, secondB]);
  });

  it('an answer read while a write of its credential was in flight is not cached', async () => {
    let release: (() => void) | undefined;
    const fake = upstream({
      'GET /tags': () =>
        new Promise<Response>((resolve) => {
          release = () => resolve(json({ type: 'list', data: [] }));
        }),
      'POST /contacts/1/tags': () => json({ type: 'tag', id: '1', name: 'x' }),
    });
    const http = new UpstreamHttp({
      source: 'INTERCOM',
      baseUrl: 'http://u.invalid',
      headers: {},
      fetch: fake.fetchFn,
    });
    const read = tags(http, A);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await write(http, A);
    release?.();
    await read;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = tags(http, A);
    await new Promise((resolve) => setTimeout(resolve, 5));
    release?.();
    await again;
    expect(fake.list().filter((call) => call === 'GET /tags')).toHaveLength(2);
  });
});

// The loopback fakes' write endpoints: state, each upstream's status codes and error bodies, write scopes, the
// switch that removes Backside's assumed endpoints, search lag, and the switch that loses a write's answer.
// Plain fetch over real HTTP, each fake started on a fresh seed so writes never leak between files.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type BacksideFake,
  createSeed,
  DEMO_BACKSIDE_API_KEY,
  DEMO_BACKSIDE_OTHER_KEY,
  DEMO_BACKSIDE_READONLY_KEY,
  DEMO_INTERCOM_ADMIN_ID,
  DEMO_INTERCOM_TOKEN,
  type IntercomFake,
  type Seed,
  startBacksideFake,
  startIntercomFake,
} from '../src/demo/index.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text), text };
}

const B = { authorization: `Bearer ${DEMO_BACKSIDE_API_KEY}` };
const B_OTHER = { authorization: `Bearer ${DEMO_BACKSIDE_OTHER_KEY}` };
const B_READONLY = { authorization: `Bearer ${DEMO_BACKSIDE_READONLY_KEY}` };
const I = { authorization: `Bearer ${DEMO_INTERCOM_TOKEN}`, 'intercom-version': '2.16' };

const expectRateLimited = (answer: Answer, limit: string) => {
  expect(answer.headers.get('x-ratelimit-limit')).toBe(limit);
  expect(answer.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
  expect(answer.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
};

describe('Backside fake writes', () => {
  let seed: Seed;
  let fake: BacksideFake;
  beforeAll(async () => {
    seed = createSeed();
    fake = await startBacksideFake(seed);
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.control.clear();
  });

  const backside = (method: string, path: string, body?: unknown, headers: Record<string, string> = B) =>
    call(fake.url, method, path, headers, body);
  const tenantA = () => seed.backside.tenants[0]?.id as string;
  const person = () =>
    seed.backside.contacts.find(
      (c) => c.tenant_id === tenantA() && c.kind === 'person' && !c.deleted_at,
    ) as BacksideContact;
  const organization = () =>
    seed.backside.contacts.find((c) => c.tenant_id === tenantA() && c.kind === 'organization') as BacksideContact;
  const otherTenant = () => seed.backside.contacts.find((c) => c.tenant_id !== tenantA()) as BacksideContact;

  it('creates a contact: 201 with the contact, kind person by default, visible to GET and the list', async () => {
    const before = fake.control.count();
    const created = await backside('POST', '/api/v1/contacts', {
      given_name: 'Nova',
      family_name: 'Quill',
      display_name: 'Nova Quill',
      metadata: { source: 'test' },
      channels: [{ type: 'email', value: 'Nova.Quill@Example.com', is_primary: true }],
    });
    expect(created.status).toBe(201);
    expectRateLimited(created, '1500');
    expect(created.body).toMatchObject({
      tenant_id: tenantA(),
      kind: 'person',
      display_name: 'Nova Quill',
      given_name: 'Nova',
      family_name: 'Quill',
      deleted_at: null,
      metadata: { source: 'test' },
      addresses: [],
      affiliations: [],
      dates: [],
      tags: [],
    });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    // Emails are stored lowercased.
    expect(created.body.channels).toMatchObject([
      { type: 'email', value: 'nova.quill@example.com', canonical_value: 'nova.quill@example.com', is_primary: true },
    ]);
    expect(fake.control.count()).toBe(before + 1);

    const read = await backside('GET', `/api/v1/contacts/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    const found = await backside('GET', '/api/v1/contacts/find-by-channel?type=email&value=NOVA.QUILL@example.com');
    expect(found.body.id).toBe(created.body.id);
    const listed = await backside('GET', '/api/v1/contacts?q=quill');
    expect(listed.body.data.map((c: BacksideContact) => c.id)).toContain(created.body.id);
  });

  it('creates organizations and groups, and refuses a bad kind, a bad email and malformed bodies', async () => {
    const org = await backside('POST', '/api/v1/contacts', { kind: 'organization', display_name: 'Hooli' });
    expect(org.status).toBe(201);
    expect(org.body.kind).toBe('organization');

    const before = fake.control.count();
    const badKind = await backside('POST', '/api/v1/contacts', { kind: 'robot' });
    expect(badKind.status).toBe(422);
    expect(badKind.body).toEqual({
      error: { code: 'validation_failed', message: 'kind must be one of person, organization, group' },
    });
    const badEmail = await backside('POST', '/api/v1/contacts', { channels: [{ type: 'email', value: 'nope' }] });
    expect(badEmail.status).toBe(422);
    expect(badEmail.body).toEqual({
      error: { code: 'validation_failed', message: 'channels[0].value is not a valid email address' },
    });
    const wrongType = await backside('POST', '/api/v1/contacts', { display_name: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toEqual({
      error: { code: 'invalid_request', message: 'display_name must be a string or null' },
    });
    const notJson = await backside('POST', '/api/v1/contacts', '{nope');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toEqual({ error: { code: 'invalid_request', message: 'The request body is not valid JSON' } });
    const notObject = await backside('POST', '/api/v1/contacts', [1]);
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.code).toBe('invalid_request');
    expect(fake.control.count()).toBe(before);
  });

  it('answers 409 naming the existing contact when an email channel is taken in the tenant', async () => {
    const owner = seed.backside.contacts.find((c) => c.family_name === 'Lovelace') as BacksideContact;
    const conflict = await backside('POST', '/api/v1/contacts', {
      channels: [{ type: 'email', value: ' ADA.LOVELACE@example.com' }],
    });
    expect(conflict.status).toBe(409);
    expectRateLimited(conflict, '1500');
    expect(conflict.body).toEqual({
      error: { code: 'conflict', message: `A contact with this email already exists: ${owner.id}` },
    });
    // Adding the taken email as a channel of another contact conflicts too.
    const channel = await backside('POST', `/api/v1/contacts/${person().id}/channels`, {
      type: 'email',
      value: 'ada.lovelace@example.com',
    });
    expect(channel.status).toBe(409);
    expect(channel.body.error.message).toBe(`A contact with this email already exists: ${owner.id}`);
    // Another tenant may hold the same email.
    const elsewhere = await backside(
      'POST',
      '/api/v1/contacts',
      { channels: [{ type: 'email', value: 'ada.lovelace@example.com' }] },
      B_OTHER,
    );
    expect(elsewhere.status).toBe(201);
  });

  it('ignores Idempotency-Key by default and replays the first create when told to honour it', async () => {
    const headers = { ...B, 'idempotency-key': 'k-1' };
    const first = await backside('POST', '/api/v1/contacts', { display_name: 'Twice' }, headers);
    const second = await backside('POST', '/api/v1/contacts', { display_name: 'Twice' }, headers);
    expect(second.body.id).not.toBe(first.body.id);
    expect(fake.control.count((c) => c.display_name === 'Twice')).toBe(2);

    fake.control.honourIdempotencyKey = true;
    const keyed = { ...B, 'idempotency-key': 'k-2' };
    const a = await backside('POST', '/api/v1/contacts', { display_name: 'Once' }, keyed);
    const b = await backside('POST', '/api/v1/contacts', { display_name: 'Once' }, keyed);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(fake.control.count((c) => c.display_name === 'Once')).toBe(1);
  });

  it('adds a channel and an address: 201 with the created record, on the contact afterwards', async () => {
    const contact = person();
    const channel = await backside('POST', `/api/v1/contacts/${contact.id}/channels`, {
      type: 'phone',
      value: '+1 (415) 555-0100',
      label: 'desk',
      is_primary: false,
    });
    expect(channel.status).toBe(201);
    expect(channel.body).toMatchObject({
      contact_id: contact.id,
      tenant_id: tenantA(),
      type: 'phone',
      value: '+1 (415) 555-0100',
      canonical_value: '+14155550100',
      label: 'desk',
      is_primary: false,
    });
    const address = await backside('POST', `/api/v1/contacts/${contact.id}/addresses`, {
      label: 'office',
      street: '1 Infinite Loop',
      city: 'Cupertino',
      country_code: 'US',
      latitude: 37.33,
      longitude: -122.03,
    });
    expect(address.status).toBe(201);
    expect(address.body).toMatchObject({ contact_id: contact.id, label: 'office', city: 'Cupertino', po_box: null });
    const read = await backside('GET', `/api/v1/contacts/${contact.id}`);
    expect(read.body.channels).toContainEqual(channel.body);
    expect(read.body.addresses).toContainEqual(address.body);

    const badType = await backside('POST', `/api/v1/contacts/${contact.id}/channels`, { type: 'fax', value: '1' });
    expect(badType.status).toBe(422);
    expect(badType.body).toEqual({
      error: { code: 'validation_failed', message: 'type must be one of email, phone, twitter, linkedin, custom' },
    });
    const badLatitude = await backside('POST', `/api/v1/contacts/${contact.id}/addresses`, { latitude: 123 });
    expect(badLatitude.status).toBe(422);
    expect(badLatitude.body.error.message).toBe('latitude must be between -90 and 90');
  });

  it('patches a contact: absent fields kept, null clears, updated_at moves', async () => {
    const created = await backside('POST', '/api/v1/contacts', {
      given_name: 'Pat',
      family_name: 'Ch',
      bio: 'old',
      nickname: 'P',
    });
    const id = created.body.id;
    // Keep the timestamps apart by a second at least.
    seed.backside.contacts.find((c) => c.id === id)!.updated_at = '2020-01-01T00:00:00Z';
    const patched = await backside('PATCH', `/api/v1/contacts/${id}`, { bio: 'new', nickname: null });
    expect(patched.status).toBe(200);
    expectRateLimited(patched, '1500');
    expect(patched.body).toMatchObject({ id, given_name: 'Pat', family_name: 'Ch', bio: 'new', nickname: null });
    expect(patched.body.updated_at > '2020-01-01T00:00:00Z').toBe(true);
    expect((await backside('GET', `/api/v1/contacts/${id}`)).body).toEqual(patched.body);

    const badKind = await backside('PATCH', `/api/v1/contacts/${id}`, { kind: 'x' });
    expect(badKind.status).toBe(422);
    expect(badKind.body.error).toEqual({
      code: 'validation_failed',
      message: 'kind must be one of person, organization, group',
    });
  });

  it('soft-deletes: 204 without a body, GET still answers with deleted_at set, deleting again is 204', async () => {
    const created = await backside('POST', '/api/v1/contacts', { display_name: 'Gone Soon' });
    const id = created.body.id;
    const before = fake.control.count();
    const deleted = await backside('DELETE', `/api/v1/contacts/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectRateLimited(deleted, '1500');
    const read = await backside('GET', `/api/v1/contacts/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.deleted_at).toMatch(/Z$/);
    expect(fake.control.count()).toBe(before);
    const again = await backside('DELETE', `/api/v1/contacts/${id}`);
    expect(again.status).toBe(204);
    expect((await backside('GET', `/api/v1/contacts/${id}`)).body.deleted_at).toBe(read.body.deleted_at);
    // A soft-deleted contact's email is free again.
    const email = 'gone.soon@example.com';
    await backside('POST', `/api/v1/contacts/${id}/channels`, { type: 'email', value: email });
    const reuse = await backside('POST', '/api/v1/contacts', { channels: [{ type: 'email', value: email }] });
    expect(reuse.status).toBe(201);
  });

  it('tags by name (creating the tag in the tenant once), tags twice fine, untags with 204', async () => {
    const contact = person();
    const first = await backside('POST', `/api/v1/contacts/${contact.id}/tags`, { name: 'Fresh Tag' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: 'Fresh Tag', tenant_id: tenantA() });
    const again = await backside('POST', `/api/v1/contacts/${contact.id}/tags`, { name: 'fresh tag' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = seed.backside.contacts.find((c) => c.tenant_id === tenantA() && c.id !== contact.id)!;
    const elsewhere = await backside('POST', `/api/v1/contacts/${other.id}/tags`, { name: 'FRESH TAG' });
    expect(elsewhere.body.id).toBe(first.body.id);
    // An existing seeded tag is found, not duplicated.
    const vip = await backside('POST', `/api/v1/contacts/${contact.id}/tags`, { name: 'vip' });
    const seededVip = seed.backside.contacts.flatMap((c) => c.tags ?? []).find((t) => t.name === 'vip');
    expect(vip.body.id).toBe(seededVip?.id);
    let read = await backside('GET', `/api/v1/contacts/${contact.id}`);
    expect(read.body.tags.filter((t: { id: string }) => t.id === first.body.id)).toHaveLength(1);
    expect(
      (await backside('GET', '/api/v1/contacts?tag=fresh%20tag')).body.data.map((c: { id: string }) => c.id),
    ).toEqual(expect.arrayContaining([contact.id, other.id]));

    const untag = await backside('DELETE', `/api/v1/contacts/${contact.id}/tags/${first.body.id}`);
    expect(untag.status).toBe(204);
    expect(untag.text).toBe('');
    read = await backside('GET', `/api/v1/contacts/${contact.id}`);
    expect(read.body.tags.some((t: { id: string }) => t.id === first.body.id)).toBe(false);
    // Untagging again is fine; an unknown tag is 404.
    expect((await backside('DELETE', `/api/v1/contacts/${contact.id}/tags/${first.body.id}`)).status).toBe(204);
    const unknown = await backside('DELETE', `/api/v1/contacts/${contact.id}/tags/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'not_found', message: 'Tag not found' } });
    const noName = await backside('POST', `/api/v1/contacts/${contact.id}/tags`, {});
    expect(noName.status).toBe(422);
    expect(noName.body).toEqual({ error: { code: 'validation_failed', message: 'name is required' } });
  });

  it('adds and removes affiliations; the organization must be an organization of the tenant (else 422)', async () => {
    const contact = person();
    const org = organization();
    const created = await backside('POST', `/api/v1/contacts/${contact.id}/affiliations`, {
      organization_id: org.id,
      title: 'Chief Tester',
      is_current: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      contact_id: contact.id,
      organization_id: org.id,
      title: 'Chief Tester',
      is_current: true,
    });
    const listed = await backside('GET', `/api/v1/contacts/${contact.id}/affiliations`);
    expect(listed.body).toContainEqual(created.body);

    const message = 'organization_id must be the id of an organization contact in this tenant';
    for (const organizationId of [person().id, otherTenant().id, 'missing']) {
      const refused = await backside('POST', `/api/v1/contacts/${contact.id}/affiliations`, {
        organization_id: organizationId,
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toEqual({ error: { code: 'validation_failed', message } });
    }

    const removed = await backside('DELETE', `/api/v1/contacts/${contact.id}/affiliations/${created.body.id}`);
    expect(removed.status).toBe(204);
    expect((await backside('GET', `/api/v1/contacts/${contact.id}/affiliations`)).body).not.toContainEqual(
      created.body,
    );
    const again = await backside('DELETE', `/api/v1/contacts/${contact.id}/affiliations/${created.body.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ error: { code: 'not_found', message: 'Affiliation not found' } });
  });

  it('answers 404 for another tenant’s contact and for a missing one, on every write', async () => {
    const theirs = otherTenant().id;
    const writes: [string, string, unknown?][] = [
      ['PATCH', `/api/v1/contacts/${theirs}`, { bio: 'x' }],
      ['DELETE', `/api/v1/contacts/${theirs}`],
      ['POST', `/api/v1/contacts/${theirs}/channels`, { type: 'phone', value: '+15550001' }],
      ['POST', `/api/v1/contacts/${theirs}/addresses`, { city: 'X' }],
      ['POST', `/api/v1/contacts/${theirs}/tags`, { name: 'x' }],
      ['POST', `/api/v1/contacts/${theirs}/affiliations`, { organization_id: organization().id }],
      ['DELETE', `/api/v1/contacts/${theirs}/affiliations/x`],
      ['DELETE', '/api/v1/contacts/missing/tags/x'],
    ];
    for (const [method, path, body] of writes) {
      const answer = await backside(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toEqual({ error: { code: 'not_found', message: 'Contact not found' } });
      expectRateLimited(answer, '1500');
    }
    expect(otherTenant().bio).not.toBe('x');
  });

  it('answers 403 missing scope to a read-only key on every write, and still serves its reads', async () => {
    const contact = person();
    const before = fake.control.count();
    const writes: [string, string, unknown?][] = [
      ['POST', '/api/v1/contacts', { display_name: 'Nope' }],
      ['POST', `/api/v1/contacts/${contact.id}/channels`, { type: 'phone', value: '+15550001' }],
      ['POST', `/api/v1/contacts/${contact.id}/addresses`, { city: 'X' }],
      ['PATCH', `/api/v1/contacts/${contact.id}`, { bio: 'x' }],
      ['DELETE', `/api/v1/contacts/${contact.id}`],
      ['POST', `/api/v1/contacts/${contact.id}/tags`, { name: 'x' }],
      ['DELETE', `/api/v1/contacts/${contact.id}/tags/x`],
      ['POST', `/api/v1/contacts/${contact.id}/affiliations`, { organization_id: organization().id }],
      ['DELETE', `/api/v1/contacts/${contact.id}/affiliations/x`],
    ];
    for (const [method, path, body] of writes) {
      const answer = await backside(method, path, body, B_READONLY);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body).toEqual({ error: { code: 'forbidden', message: 'missing scope contacts:write' } });
      expectRateLimited(answer, '1500');
    }
    expect(fake.control.count()).toBe(before);
    expect(contact.bio).not.toBe('x');
    expect(contact.deleted_at ?? null).toBeNull();
    expect((await backside('GET', `/api/v1/contacts/${contact.id}`, undefined, B_READONLY)).status).toBe(200);
  });

  describe('without the assumed endpoints', () => {
    const contactPath = () => `/api/v1/contacts/${person().id}`;
    const assumed = (): [string, string, unknown?][] => [
      ['PATCH', contactPath(), { bio: 'changed' }],
      ['DELETE', contactPath()],
      ['POST', `${contactPath()}/tags`, { name: 'x' }],
      ['DELETE', `${contactPath()}/tags/x`],
      ['POST', `${contactPath()}/affiliations`, { organization_id: organization().id }],
      ['DELETE', `${contactPath()}/affiliations/x`],
    ];

    it("answers 404 like an unknown route when 'absent', and changes nothing", async () => {
      fake.control.assumedWrites = 'absent';
      const before = JSON.stringify(person());
      for (const [method, path, body] of assumed()) {
        const answer = await backside(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.body).toEqual({ error: { code: 'not_found', message: `No route for ${method} ${path}` } });
        expectRateLimited(answer, '1500');
      }
      expect(JSON.stringify(person())).toBe(before);
      // The documented creates stay.
      expect((await backside('POST', '/api/v1/contacts', { display_name: 'Still here' })).status).toBe(201);
    });

    it('answers 405 (with Allow where another method exists) or 501 when told so', async () => {
      fake.control.assumedWrites = 405;
      for (const [method, path, body] of assumed()) {
        const answer = await backside(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(405);
        expect(answer.body).toEqual({
          error: { code: 'method_not_allowed', message: `${method} is not allowed here` },
        });
      }
      expect((await backside('PATCH', contactPath(), {})).headers.get('allow')).toBe('GET');
      fake.control.assumedWrites = 501;
      for (const [method, path, body] of assumed()) {
        const answer = await backside(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(501);
        expect(answer.body).toEqual({ error: { code: 'not_implemented', message: 'Not implemented' } });
      }
      expect(person().bio).not.toBe('changed');
      fake.control.clear();
      expect(fake.control.assumedWrites).toBe('present');
    });
  });

  it('drops the answer of a write after it took effect: the request fails, the record exists exactly once', async () => {
    const before = fake.control.count((c) => c.display_name === 'Lost Answer');
    fake.control.dropNextWriteAnswer();
    expect(fake.control.pendingDrops()).toBe(1);
    await expect(
      fetch(`${fake.url}/api/v1/contacts`, {
        method: 'POST',
        headers: { ...B, 'content-type': 'application/json' },
        body: JSON.stringify({ display_name: 'Lost Answer' }),
      }),
    ).rejects.toThrow();
    expect(fake.control.pendingDrops()).toBe(0);
    expect(fake.control.count((c) => c.display_name === 'Lost Answer')).toBe(before + 1);
    const recorded = fake.calls.find((c) => c.method === 'POST' && c.path === '/api/v1/contacts');
    expect(recorded).toMatchObject({ status: 0, dropped: true });
    // The next write is answered again.
    expect((await backside('POST', '/api/v1/contacts', { display_name: 'Answered' })).status).toBe(201);
  });

  it('drops only successful writes that match, and never reads', async () => {
    const contact = person();
    fake.control.dropNextWriteAnswer(1, { method: 'PATCH' });
    expect((await backside('GET', `/api/v1/contacts/${contact.id}`)).status).toBe(200);
    expect((await backside('POST', '/api/v1/contacts', { display_name: 'Not matched' })).status).toBe(201);
    // A rejected write changed nothing: answered, and the drop stays armed.
    expect((await backside('PATCH', `/api/v1/contacts/${contact.id}`, { kind: 'x' })).status).toBe(422);
    expect(fake.control.pendingDrops()).toBe(1);
    await expect(backside('PATCH', `/api/v1/contacts/${contact.id}`, { bio: 'patched in the dark' })).rejects.toThrow();
    expect(contact.bio).toBe('patched in the dark');
  });
});

describe('Intercom fake writes', () => {
  let seed: Seed;
  let fake: IntercomFake;
  beforeAll(async () => {
    seed = createSeed();
    fake = await startIntercomFake(seed);
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    fake.control.clear();
  });

  const intercom = (method: string, path: string, body?: unknown, headers: Record<string, string> = I) =>
    call(fake.url, method, path, headers, body);
  const searchIds = async (query: unknown): Promise<string[]> => {
    const answer = await intercom('POST', '/contacts/search', { query, pagination: { per_page: 150 } });
    expect(answer.status).toBe(200);
    return answer.body.data.map((c: IntercomContact) => c.id);
  };
  let serial = 0;
  /** A fresh contact through the API. */
  const create = async (fields: Record<string, unknown> = {}): Promise<IntercomContact> => {
    serial += 1;
    const answer = await intercom('POST', '/contacts', {
      role: 'user',
      email: `person${serial}@fresh.example`,
      name: `Person ${serial}`,
      ...fields,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  const expectErrorList = (answer: Answer, status: number, code: string, message: string) => {
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({
      type: 'error.list',
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      errors: [{ code, message }],
    });
  };

  it('creates a user: 200 with the contact exactly as GET answers it; list and search see it', async () => {
    const before = fake.control.count();
    const answer = await intercom('POST', '/contacts', {
      role: 'user',
      email: 'joebloggs@intercom.example',
      name: 'Joe Bloggs',
      phone: '+353871234567',
      external_id: 'ext-new-1',
      avatar: 'https://www.example.com/avatar_image.jpg',
      custom_attributes: { paid_subscriber: true, monthly_spend: 155.5 },
    });
    expect(answer.status).toBe(200);
    expectRateLimited(answer, '10000');
    const contact = answer.body;
    expect(contact).toMatchObject({
      type: 'contact',
      role: 'user',
      email: 'joebloggs@intercom.example',
      email_domain: 'intercom.example',
      name: 'Joe Bloggs',
      phone: '+353871234567',
      external_id: 'ext-new-1',
      avatar: 'https://www.example.com/avatar_image.jpg',
      custom_attributes: { paid_subscriber: true, monthly_spend: 155.5 },
      location: { type: 'location', country: null, region: null, city: null },
      tags: { type: 'list', data: [], url: `/contacts/${contact.id}/tags`, total_count: 0, has_more: false },
      notes: { type: 'list', data: [], url: `/contacts/${contact.id}/notes`, total_count: 0, has_more: false },
      companies: { type: 'list', data: [], url: `/contacts/${contact.id}/companies`, total_count: 0, has_more: false },
    });
    expect(contact.id).toMatch(/^[0-9a-f]{24}$/);
    expect(contact.created_at).toBe(contact.updated_at);
    expect(Math.abs(contact.created_at - Date.now() / 1000)).toBeLessThan(60);
    expect(fake.control.count()).toBe(before + 1);
    expect((await intercom('GET', `/contacts/${contact.id}`)).body).toEqual(contact);
    expect(await searchIds({ field: 'external_id', operator: '=', value: 'ext-new-1' })).toEqual([contact.id]);
    const list = await intercom('GET', '/contacts?per_page=150');
    expect(list.body.data.map((c: IntercomContact) => c.id)).toContain(contact.id);

    const lead = await intercom('POST', '/contacts', { role: 'lead' });
    expect(lead.status).toBe(200);
    expect(lead.body).toMatchObject({ role: 'lead', email: null, external_id: null });
  });

  it('answers 409 naming the existing contact when a user email or an external_id is taken', async () => {
    const documented = seed.intercom.contacts.find((c) => c.id === '5ba682d23d7cf92bef87bfd4') as IntercomContact;
    const before = fake.control.count();
    const email = await intercom('POST', '/contacts', { role: 'user', email: ' WASH@serenity.example' });
    expectErrorList(email, 409, 'conflict', `A contact matching those details already exists with id=${documented.id}`);
    expectRateLimited(email, '10000');
    const external = await intercom('POST', '/contacts', { role: 'lead', external_id: '25' });
    expectErrorList(
      external,
      409,
      'conflict',
      `A contact matching those details already exists with id=${documented.id}`,
    );
    // A lead may share a user's email.
    expect((await intercom('POST', '/contacts', { role: 'lead', email: 'wash@serenity.example' })).status).toBe(200);
    expect(fake.control.count()).toBe(before + 1);
  });

  it('answers 400 parameter_invalid for bad input', async () => {
    const cases: [unknown, string][] = [
      [{ role: 'admin', email: 'a@b.example' }, 'role must be one of user, lead'],
      [{ email: 'not-an-email' }, 'email is invalid'],
      [{ name: 'Nobody' }, 'email, external_id or role is required'],
      [
        { email: 'a@b.example', custom_attributes: { nested: { a: 1 } } },
        'custom_attributes.nested must be a string, number, boolean or null',
      ],
      [{ email: 'a@b.example', name: 5 }, 'name must be a string or null'],
      ['{broken', 'The request body is not valid JSON'],
    ];
    for (const [body, message] of cases)
      expectErrorList(await intercom('POST', '/contacts', body), 400, 'parameter_invalid', message);
  });

  it('updates with PUT: fields set, custom_attributes keys set to null removed, updated_at bumped; 404 unknown', async () => {
    const contact = await create({ custom_attributes: { keep: 1, drop: 'x' }, phone: '+15550100' });
    const updated = await intercom('PUT', `/contacts/${contact.id}`, {
      name: 'Renamed',
      phone: null,
      custom_attributes: { drop: null, added: true },
    });
    expect(updated.status).toBe(200);
    expectRateLimited(updated, '10000');
    expect(updated.body).toMatchObject({
      id: contact.id,
      name: 'Renamed',
      phone: null,
      email: contact.email,
      custom_attributes: { keep: 1, added: true },
    });
    expect(updated.body.custom_attributes).not.toHaveProperty('drop');
    expect(updated.body.updated_at).toBeGreaterThan(contact.updated_at);
    expect((await intercom('GET', `/contacts/${contact.id}`)).body).toEqual(updated.body);
    expect(await searchIds({ field: 'name', operator: '=', value: 'Renamed' })).toEqual([contact.id]);

    expectErrorList(await intercom('PUT', '/contacts/nope', { name: 'x' }), 404, 'not_found', 'User Not Found');
    const other = await create();
    expectErrorList(
      await intercom('PUT', `/contacts/${other.id}`, { email: contact.email }),
      409,
      'conflict',
      `A contact matching those details already exists with id=${contact.id}`,
    );
    // Keeping its own email is no conflict.
    expect((await intercom('PUT', `/contacts/${contact.id}`, { email: contact.email })).status).toBe(200);
  });

  it('deletes for good: the contact reference with deleted true, then 404 everywhere', async () => {
    const contact = await create({ external_id: 'ext-delete-me' });
    const before = fake.control.count();
    const deleted = await intercom('DELETE', `/contacts/${contact.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ type: 'contact', id: contact.id, external_id: 'ext-delete-me', deleted: true });
    expect(fake.control.count()).toBe(before - 1);
    expectErrorList(await intercom('GET', `/contacts/${contact.id}`), 404, 'not_found', 'User Not Found');
    expect(await searchIds({ field: 'id', operator: '=', value: contact.id })).toEqual([]);
    expectErrorList(await intercom('DELETE', `/contacts/${contact.id}`), 404, 'not_found', 'User Not Found');
  });

  it('archives and unarchives: an archived contact is absent from GET, lists and search', async () => {
    const contact = await create({ external_id: 'ext-archive' });
    const archived = await intercom('POST', `/contacts/${contact.id}/archive`);
    expect(archived.status).toBe(200);
    expect(archived.body).toEqual({ type: 'contact', id: contact.id, external_id: 'ext-archive', archived: true });
    expectErrorList(await intercom('GET', `/contacts/${contact.id}`), 404, 'not_found', 'User Not Found');
    expect(await searchIds({ field: 'id', operator: '=', value: contact.id })).toEqual([]);
    const list = await intercom('GET', '/contacts?per_page=150');
    expect(list.body.data.map((c: IntercomContact) => c.id)).not.toContain(contact.id);
    expectErrorList(
      await intercom('PUT', `/contacts/${contact.id}`, { name: 'x' }),
      404,
      'not_found',
      'User Not Found',
    );

    const restored = await intercom('POST', `/contacts/${contact.id}/unarchive`);
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual({ type: 'contact', id: contact.id, external_id: 'ext-archive', archived: false });
    expect((await intercom('GET', `/contacts/${contact.id}`)).status).toBe(200);
    expect(await searchIds({ field: 'id', operator: '=', value: contact.id })).toEqual([contact.id]);
    expectErrorList(await intercom('POST', '/contacts/nope/archive'), 404, 'not_found', 'User Not Found');
  });

  it('merges a lead into a user: answers the user, then the lead answers 410 with a canonical Link', async () => {
    const user = await create({ email: 'merge.me@fresh.example', phone: null });
    const leadAnswer = await intercom('POST', '/contacts', {
      role: 'lead',
      email: 'Merge.Me@fresh.example',
      phone: '+15550199',
      external_id: 'lead-ext',
    });
    const lead = leadAnswer.body as IntercomContact;
    const tag = seed.intercom.tags[0]!;
    await intercom('POST', `/contacts/${lead.id}/tags`, { id: tag.id });
    const merged = await intercom('POST', '/contacts/merge', { from: lead.id, into: user.id });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ type: 'contact', id: user.id, role: 'user', phone: '+15550199' });
    expect(merged.body.tags.data.map((t: { id: string }) => t.id)).toContain(tag.id);
    expect(merged.body.updated_at).toBeGreaterThan(user.updated_at);
    const gone = await intercom('GET', `/contacts/${lead.id}`);
    expect(gone.status).toBe(410);
    expect(gone.body.errors[0].code).toBe('contact_merged');
    expect(gone.headers.get('link')).toBe(`<${fake.url}/contacts/${user.id}>; rel="canonical"`);
    expect(fake.control.count((c) => c.id === lead.id)).toBe(0);
    expect(await searchIds({ field: 'id', operator: '=', value: lead.id })).toEqual([]);

    // Not duplicates, not a lead, unknown ids.
    const other = await intercom('POST', '/contacts', { role: 'lead', email: 'someone.else@fresh.example' });
    expectErrorList(
      await intercom('POST', '/contacts/merge', { from: other.body.id, into: user.id }),
      400,
      'invalid_merge',
      'Contacts can only be merged when they are duplicates (matching email or phone). Pass skip_duplicate_validation=true to override this check.',
    );
    expectErrorList(
      await intercom('POST', '/contacts/merge', { from: user.id, into: user.id }),
      400,
      'invalid_merge',
      'A contact cannot be merged into itself',
    );
    const otherUser = await create();
    expectErrorList(
      await intercom('POST', '/contacts/merge', { from: otherUser.id, into: user.id, skip_duplicate_validation: true }),
      400,
      'invalid_merge',
      'from must be a lead',
    );
    expectErrorList(
      await intercom('POST', '/contacts/merge', { from: 'nope', into: user.id }),
      404,
      'not_found',
      'User Not Found',
    );
    expectErrorList(
      await intercom('POST', '/contacts/merge', { into: user.id }),
      400,
      'parameter_invalid',
      'from and into are required',
    );
    const skipped = await intercom('POST', '/contacts/merge', {
      from: other.body.id,
      into: user.id,
      skip_duplicate_validation: true,
    });
    expect(skipped.status).toBe(200);
  });

  it('creates or finds a tag by name, tags and untags a contact (answering the tag)', async () => {
    const created = await intercom('POST', '/tags', { name: 'Brand New' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ type: 'tag', id: expect.stringMatching(/^\d+$/), name: 'Brand New' });
    const found = await intercom('POST', '/tags', { name: 'brand new' });
    expect(found.body.id).toBe(created.body.id);
    const seeded = await intercom('POST', '/tags', { name: 'vip' });
    expect(seeded.body).toEqual({ type: 'tag', id: '100', name: 'VIP' });
    expect((await intercom('GET', `/tags/${created.body.id}`)).status).toBe(200);
    expectErrorList(await intercom('POST', '/tags', {}), 400, 'parameter_invalid', 'invalid tag parameters');

    const contact = await create();
    const tagged = await intercom('POST', `/contacts/${contact.id}/tags`, { id: created.body.id });
    expect(tagged.status).toBe(200);
    expect(tagged.body).toMatchObject({ type: 'tag', id: created.body.id, name: 'Brand New' });
    expect(typeof tagged.body.applied_at).toBe('number');
    const read = await intercom('GET', `/contacts/${contact.id}`);
    expect(read.body.tags.data).toEqual([{ type: 'tag', id: created.body.id, url: `/tags/${created.body.id}` }]);
    expect(read.body.updated_at).toBeGreaterThan(contact.updated_at);
    expect(await searchIds({ field: 'tag_id', operator: '=', value: created.body.id })).toEqual([contact.id]);
    expect((await intercom('GET', `/contacts/${contact.id}/tags`)).body.data).toEqual([
      { type: 'tag', id: created.body.id, name: 'Brand New' },
    ]);

    const untagged = await intercom('DELETE', `/contacts/${contact.id}/tags/${created.body.id}`);
    expect(untagged.status).toBe(200);
    expect(untagged.body).toMatchObject({ type: 'tag', id: created.body.id, name: 'Brand New' });
    expect((await intercom('GET', `/contacts/${contact.id}`)).body.tags.data).toEqual([]);

    expectErrorList(
      await intercom('POST', `/contacts/${contact.id}/tags`, { id: '999999' }),
      404,
      'not_found',
      'Resource Not Found',
    );
    expectErrorList(
      await intercom('POST', '/contacts/nope/tags', { id: created.body.id }),
      404,
      'not_found',
      'User Not Found',
    );
    expectErrorList(
      await intercom('DELETE', `/contacts/${contact.id}/tags/999999`),
      404,
      'not_found',
      'Resource Not Found',
    );
  });

  it('adds a note by a known admin (answering the note); an unknown admin is 404', async () => {
    const contact = await create();
    const note = await intercom('POST', `/contacts/${contact.id}/notes`, {
      body: 'Hello',
      admin_id: DEMO_INTERCOM_ADMIN_ID,
    });
    expect(note.status).toBe(200);
    expect(note.body).toMatchObject({
      type: 'note',
      body: '<p>Hello</p>',
      contact: { type: 'contact', id: contact.id },
      author: { type: 'admin', id: DEMO_INTERCOM_ADMIN_ID },
    });
    expect(note.body.id).toMatch(/^\d+$/);
    const notes = await intercom('GET', `/contacts/${contact.id}/notes`);
    expect(notes.body.data).toEqual([note.body]);
    expect((await intercom('GET', `/contacts/${contact.id}`)).body.notes.total_count).toBe(1);

    expectErrorList(
      await intercom('POST', `/contacts/${contact.id}/notes`, { body: 'x', admin_id: '123' }),
      404,
      'not_found',
      'Resource Not Found',
    );
    expectErrorList(
      await intercom('POST', '/contacts/nope/notes', { body: 'x', admin_id: DEMO_INTERCOM_ADMIN_ID }),
      404,
      'not_found',
      'User Not Found',
    );
    expectErrorList(
      await intercom('POST', `/contacts/${contact.id}/notes`, { admin_id: DEMO_INTERCOM_ADMIN_ID }),
      400,
      'parameter_invalid',
      'body is required',
    );
  });

  it('attaches and detaches a company (answering the company)', async () => {
    const contact = await create();
    const company = seed.intercom.companies[0]!;
    const attached = await intercom('POST', `/contacts/${contact.id}/companies`, { id: company.id });
    expect(attached.status).toBe(200);
    expect(attached.body).toEqual(company);
    const listed = await intercom('GET', `/contacts/${contact.id}/companies`);
    expect(listed.body.data).toEqual([company]);
    const detached = await intercom('DELETE', `/contacts/${contact.id}/companies/${company.id}`);
    expect(detached.status).toBe(200);
    expect(detached.body).toEqual(company);
    expect((await intercom('GET', `/contacts/${contact.id}`)).body.companies.data).toEqual([]);

    expectErrorList(
      await intercom('POST', `/contacts/${contact.id}/companies`, { id: '123' }),
      404,
      'company_not_found',
      'Company Not Found',
    );
    expectErrorList(
      await intercom('POST', `/contacts/${contact.id}/companies`, {}),
      400,
      'parameter_not_found',
      'company not specified',
    );
    expectErrorList(
      await intercom('DELETE', `/contacts/${contact.id}/companies/123`),
      404,
      'company_not_found',
      'Company Not Found',
    );
    expectErrorList(
      await intercom('POST', '/contacts/nope/companies', { id: company.id }),
      404,
      'not_found',
      'User Not Found',
    );
  });

  it('answers 401 to writes without a valid token', async () => {
    const before = fake.control.count();
    const answer = await intercom('POST', '/contacts', { email: 'x@y.example' }, { authorization: 'Bearer nope' });
    expectErrorList(answer, 401, 'unauthorized', 'Access Token Invalid');
    expect(fake.control.count()).toBe(before);
  });

  it('lags search behind a create when told to', async () => {
    fake.control.searchLagMs = 300;
    const contact = await create({ external_id: 'ext-lagging' });
    expect((await intercom('GET', `/contacts/${contact.id}`)).status).toBe(200);
    expect(await searchIds({ field: 'external_id', operator: '=', value: 'ext-lagging' })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await searchIds({ field: 'external_id', operator: '=', value: 'ext-lagging' })).toEqual([contact.id]);
  });

  it('drops the answer of a create after it took effect: the request fails, the contact exists exactly once', async () => {
    fake.control.dropNextWriteAnswer(1, { method: 'POST', path: '/contacts' });
    // Search is a POST but a read: never dropped.
    expect(
      (await intercom('POST', '/contacts/search', { query: { field: 'id', operator: '=', value: 'x' } })).status,
    ).toBe(200);
    await expect(intercom('POST', '/contacts', { role: 'user', external_id: 'ext-lost' })).rejects.toThrow();
    expect(fake.control.count((c) => c.external_id === 'ext-lost')).toBe(1);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'POST', path: '/contacts', status: 0, dropped: true });
    // Looking before writing again finds it; a blind retry conflicts.
    expect(await searchIds({ field: 'external_id', operator: '=', value: 'ext-lost' })).toHaveLength(1);
    const retry = await intercom('POST', '/contacts', { role: 'user', external_id: 'ext-lost' });
    expect(retry.status).toBe(409);
    expect(fake.control.count((c) => c.external_id === 'ext-lost')).toBe(1);
  });
});

// The loopback fakes speak each upstream's protocol: status codes, headers, error bodies, pagination and search.
// Plain fetch only: these tests pin the fakes themselves, which every other test and the benchmarks stand on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSeed,
  DEMO_BACKSIDE_API_KEY,
  DEMO_BACKSIDE_OTHER_KEY,
  DEMO_INTERCOM_TOKEN,
  type DemoUpstreams,
  SHARED_PEOPLE,
  startBacksideFake,
  startDemoUpstreams,
} from '../src/demo/index.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';

let upstreams: DemoUpstreams;
beforeAll(async () => {
  upstreams = await startDemoUpstreams();
});
afterAll(() => upstreams.close());
beforeEach(() => {
  upstreams.backside.reset();
  upstreams.intercom.reset();
});

const B = { authorization: `Bearer ${DEMO_BACKSIDE_API_KEY}` };
const B_OTHER = { authorization: `Bearer ${DEMO_BACKSIDE_OTHER_KEY}` };
const I = { authorization: `Bearer ${DEMO_INTERCOM_TOKEN}`, 'intercom-version': '2.16' };

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}
async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
const backside = (path: string, headers: Record<string, string> = B) => get(upstreams.backside.url, path, headers);
const intercom = (path: string, headers: Record<string, string> = I) => get(upstreams.intercom.url, path, headers);
async function search(body: unknown): Promise<Answer> {
  const response = await fetch(`${upstreams.intercom.url}/contacts/search`, {
    method: 'POST',
    headers: { ...I, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
/** Ids a search finds, every page walked. */
async function searchIds(query: unknown, sort?: unknown): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await search({ query, sort, pagination: { per_page: 150, starting_after: after } });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    ids.push(...page.body.data.map((c: { id: string }) => c.id));
    after = page.body.pages.next?.starting_after;
  } while (after);
  return ids;
}

const tenantA = () => upstreams.seed.backside.tenants[0]?.id as string;
const backsideA = () => upstreams.seed.backside.contacts.filter((c) => c.tenant_id === tenantA());
/** What Intercom's search can return: no archived, no lagging contacts (merged-away ids are not contacts at all). */
const searchable = () => {
  const { contacts, archived, searchLag } = upstreams.seed.intercom;
  return contacts.filter((c) => !archived.includes(c.id) && !searchLag.includes(c.id));
};
const sorted = (ids: string[]) => [...ids].sort();

describe('the seed', () => {
  it('is deterministic', () => {
    expect(createSeed()).toEqual(createSeed());
    expect(createSeed()).toEqual(upstreams.seed);
  });

  it('has the documented volume and every quirk', () => {
    const a = backsideA();
    const kinds = (kind: string) => a.filter((c) => c.kind === kind).length;
    expect(kinds('person')).toBe(60);
    expect(kinds('organization')).toBe(8);
    expect(kinds('group')).toBe(2);
    expect(upstreams.seed.backside.contacts.filter((c) => c.tenant_id !== tenantA())).toHaveLength(5);
    const channels = a.flatMap((c) => c.channels ?? []);
    expect(channels.some((c) => c.value === 'not-an-email')).toBe(true);
    expect(channels.some((c) => c.value === '(415) 555-0177' && c.canonical_value === '+14155550177')).toBe(true);
    expect(
      channels.some((c) => c.value === 'Upper.Case@Mail.Example' && c.canonical_value === 'upper.case@mail.example'),
    ).toBe(true);
    const addresses = a.flatMap((c) => c.addresses ?? []);
    expect(addresses.some((x) => x.country_code === 'XX1' && x.latitude === 123)).toBe(true);
    expect(a.some((c) => c.metadata === null && c.kind === 'person')).toBe(true);
    expect(a.some((c) => c.deleted_at)).toBe(true);
    expect(a.some((c) => !c.display_name && !c.given_name && c.channels?.length === 1)).toBe(true);
    expect(a.some((c) => c.kind === 'person' && !c.display_name && c.channels?.length === 0)).toBe(true);
    const dates = a.flatMap((c) => c.dates ?? []);
    expect(dates.some((d) => d.date_type === 'birthday' && d.date_year === null)).toBe(true);
    expect(dates.some((d) => d.date_type === 'birthday' && typeof d.date_year === 'number')).toBe(true);
    expect(dates.some((d) => d.date_type === 'custom' && d.date_label)).toBe(true);
    const affiliations = a.flatMap((c) => c.affiliations ?? []);
    const orgIds = new Set(a.filter((c) => c.kind === 'organization').map((c) => c.id));
    expect(affiliations.every((f) => orgIds.has(f.organization_id))).toBe(true);
    expect(affiliations.some((f) => f.end_date === null) && affiliations.some((f) => f.end_date)).toBe(true);

    const ic = upstreams.seed.intercom;
    expect(ic.tags).toHaveLength(25);
    expect(ic.companies).toHaveLength(12);
    expect(ic.contacts.length).toBeGreaterThanOrEqual(55);
    expect(ic.contacts.filter((c) => c.tags?.has_more)).toHaveLength(1);
    expect(ic.contacts.filter((c) => c.companies?.has_more)).toHaveLength(1);
    expect(ic.contacts.filter((c) => c.notes?.has_more)).toHaveLength(1);
    expect(ic.contacts.some((c) => c.name === null)).toBe(true);
    expect(ic.contacts.some((c) => c.email === null)).toBe(true);
    expect(ic.contacts.some((c) => c.phone === null)).toBe(true);
    expect(ic.contacts.some((c) => c.email === 'bad@')).toBe(true);
    expect(new Set(ic.contacts.map((c) => (c.avatar === null ? 'null' : typeof c.avatar)))).toEqual(
      new Set(['null', 'string', 'object']),
    );
    expect(ic.contacts.every((c) => typeof c.owner_id === 'string')).toBe(true);
    expect(ic.contacts.some((c) => c.id === '5ba682d23d7cf92bef87bfd4' && c.name === 'Hoban Washburn')).toBe(true);
    expect(Object.keys(ic.merged)).toHaveLength(1);
    expect(ic.archived).toHaveLength(1);
    expect(ic.searchLag).toHaveLength(2);
  });

  it('holds every shared person in both sources, written differently', () => {
    expect(SHARED_PEOPLE.length).toBeGreaterThanOrEqual(8);
    for (const person of SHARED_PEOPLE) {
      const name = `${person.given} ${person.family}`;
      const b = backsideA().find((c) => c.display_name === name) as BacksideContact;
      const i = upstreams.seed.intercom.contacts.find((c) => c.name === name) as IntercomContact;
      expect(b, name).toBeDefined();
      expect(i, name).toBeDefined();
      expect(i.email ?? null).toBe(person.intercomEmail);
      expect(i.phone ?? null).toBe(person.intercomPhone);
      const values = (b.channels ?? []).map((c) => c.value);
      if (person.backsideEmail) expect(values).toContain(person.backsideEmail);
      if (person.backsidePhone) expect(values).toContain(person.backsidePhone);
    }
  });
});

describe('Backside fake', () => {
  it('answers 402 without credentials, 401 for an unknown key, with the documented error bodies', async () => {
    const none = await backside('/api/v1/contacts', {});
    expect(none.status).toBe(402);
    expect(none.body).toMatchObject({ error: { code: 'payment_required' }, payment_options: expect.any(Array) });
    const bad = await backside('/api/v1/contacts', { authorization: 'Bearer bsk_live_nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: { code: 'unauthorized', message: 'Invalid API key' } });
    expect((await backside('/api/v1/contacts', { authorization: DEMO_BACKSIDE_API_KEY })).status).toBe(401);
    // Every answer, errors included, carries the rate-limit headers.
    expect(bad.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
  });

  it('serves a full contact as JSON with rate-limit headers', async () => {
    const mine = backsideA().find((c) => c.kind === 'person') as BacksideContact;
    const ok = await backside(`/api/v1/contacts/${mine.id}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(ok.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
    expect(Number(ok.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    const reset = Number(ok.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    expect(reset).toBeLessThan(Date.now() / 1000 + 3600);
    expect(ok.body).toEqual(mine);
    for (const key of ['addresses', 'affiliations', 'channels', 'dates', 'tags'])
      expect(ok.body[key]).toBeInstanceOf(Array);
    const missing = await backside('/api/v1/contacts/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: 'Contact not found' } });
  });

  it('keeps tenants apart: another tenant’s record answers 404, each key lists only its own', async () => {
    const theirs = upstreams.seed.backside.contacts.find((c) => c.tenant_id !== tenantA()) as BacksideContact;
    const hidden = await backside(`/api/v1/contacts/${theirs.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('not_found');
    expect((await backside(`/api/v1/contacts/${theirs.id}`, B_OTHER)).status).toBe(200);
    expect((await backside(`/api/v1/contacts/${theirs.id}/affiliations`)).status).toBe(404);
    const other = await backside('/api/v1/contacts', B_OTHER);
    expect(other.body.data).toHaveLength(5);
    expect(other.body.data.every((c: BacksideContact) => c.tenant_id === theirs.tenant_id)).toBe(true);
    expect(other.body.next_cursor).toBeNull();
    // The same email in both tenants: each key finds its own.
    const email = (theirs.channels ?? []).find((c) => c.type === 'email')?.value as string;
    const own = await backside(
      `/api/v1/contacts/find-by-channel?type=email&value=${encodeURIComponent(email)}`,
      B_OTHER,
    );
    expect(own.body.id).toBe(theirs.id);
  });

  it('serves a soft-deleted contact with deleted_at set', async () => {
    const deleted = backsideA().find((c) => c.deleted_at) as BacksideContact;
    const answer = await backside(`/api/v1/contacts/${deleted.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body.deleted_at).toBe(deleted.deleted_at);
  });

  it('pages the list with an opaque cursor in created_at order, every record once, without related arrays', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Answer = await backside(`/api/v1/contacts?limit=30${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      for (const item of page.body.data) {
        for (const key of ['addresses', 'affiliations', 'channels', 'dates', 'tags']) expect(item[key]).toBeUndefined();
        seen.push(item.id);
      }
      cursor = page.body.next_cursor;
      if (cursor) expect(cursor).not.toMatch(/^\d+$/);
      pages += 1;
    } while (cursor);
    const expected = [...backsideA()]
      .sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id))
      .map((c) => c.id);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 30));
    expect(upstreams.backside.count({ method: 'GET', path: '/api/v1/contacts' })).toBe(pages);
  });

  it('defaults limit to 50 and refuses bad limits and cursors', async () => {
    const first = await backside('/api/v1/contacts');
    expect(first.body.data).toHaveLength(50);
    expect(typeof first.body.next_cursor).toBe('string');
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'limit=2.5', 'cursor=zzz', 'cursor=%25%25']) {
      const answer = await backside(`/api/v1/contacts?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('invalid_request');
    }
  });

  it('filters the list by q, kind and tag, combined with AND', async () => {
    const list = async (query: string) =>
      (await backside(`/api/v1/contacts?limit=100&${query}`)).body.data.map((c: BacksideContact) => c.id);
    const ada = backsideA().find((c) => c.family_name === 'Lovelace') as BacksideContact;
    expect(await list('q=LOVELACE')).toEqual([ada.id]);
    // q also searches email and phone values and canonical values.
    expect(await list('q=ada.lovelace%40example')).toEqual([ada.id]);
    const national = backsideA().find((c) => c.channels?.some((ch) => ch.value === '(415) 555-0177'));
    expect(await list(`q=${encodeURIComponent('555-0177')}`)).toEqual([national?.id]);
    expect(await list(`q=${encodeURIComponent('+14155550177')}`)).toEqual([national?.id]);
    const orgs = backsideA().filter((c) => c.kind === 'organization');
    expect(sorted(await list('kind=organization'))).toEqual(sorted(orgs.map((c) => c.id)));
    const vip = backsideA().filter((c) => c.tags?.some((t) => t.name === 'vip'));
    expect(vip.length).toBeGreaterThan(0);
    expect(sorted(await list('tag=VIP'))).toEqual(sorted(vip.map((c) => c.id)));
    const vipId = vip[0]?.tags?.find((t) => t.name === 'vip')?.id as string;
    expect(sorted(await list(`tag=${vipId}`))).toEqual(sorted(vip.map((c) => c.id)));
    const vipPeople = vip.filter((c) => c.kind === 'person');
    expect(sorted(await list('tag=vip&kind=person'))).toEqual(sorted(vipPeople.map((c) => c.id)));
    expect(await list('q=nobody-has-this-name')).toEqual([]);
  });

  it('finds by channel: email trimmed and lowercased, phone by its digits and leading +', async () => {
    const upper = await backside('/api/v1/contacts/find-by-channel?type=email&value=UPPER.CASE@mail.example');
    expect(upper.status).toBe(200);
    expect(upper.body.channels).toBeUndefined();
    const ada = backsideA().find((c) => c.family_name === 'Lovelace') as BacksideContact;
    const spaced = await backside(
      `/api/v1/contacts/find-by-channel?type=email&value=${encodeURIComponent(' Ada.Lovelace@Example.COM ')}`,
    );
    expect(spaced.body.id).toBe(ada.id);
    for (const value of ['+14155550177', '+1 (415) 555-0177', '+1-415-555-0177']) {
      const phone = await backside(`/api/v1/contacts/find-by-channel?type=phone&value=${encodeURIComponent(value)}`);
      expect(phone.status, value).toBe(200);
      expect(phone.body.display_name).toBeTruthy();
    }
    // Without a country code the digits differ from the canonical E.164 value.
    expect((await backside('/api/v1/contacts/find-by-channel?type=phone&value=4155550177')).status).toBe(404);
    const none = await backside('/api/v1/contacts/find-by-channel?type=email&value=none@x.example');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('not_found');
    for (const query of ['', '?type=email', '?value=a@b.example', '?type=fax&value=1']) {
      const answer = await backside(`/api/v1/contacts/find-by-channel${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code).toBe('invalid_request');
    }
  });

  it('answers affiliations as a bare array', async () => {
    const withAffiliations = backsideA().find((c) => (c.affiliations?.length ?? 0) > 0) as BacksideContact;
    const affiliations = await backside(`/api/v1/contacts/${withAffiliations.id}/affiliations`);
    expect(affiliations.body).toEqual(withAffiliations.affiliations);
    const organization = backsideA().find((c) => c.kind === 'organization') as BacksideContact;
    expect((await backside(`/api/v1/contacts/${organization.id}/affiliations`)).body).toEqual([]);
  });

  it('answers an unknown route 404 and a wrong method 405, with error bodies', async () => {
    const unknown = await backside('/api/v1/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const response = await fetch(`${upstreams.backside.url}/api/v1/contacts`, { method: 'DELETE', headers: B });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(await response.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});

describe('Intercom fake', () => {
  it('answers 401 with an error.list without a valid token, and accepts a call without Intercom-Version', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: DEMO_INTERCOM_TOKEN },
    ];
    for (const headers of attempts) {
      const response = await intercom('/contacts', headers);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({
        type: 'error.list',
        request_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
      });
    }
    const versionless = await intercom('/tags', { authorization: `Bearer ${DEMO_INTERCOM_TOKEN}` });
    expect(versionless.status).toBe(200);
  });

  it('serves a contact with rate-limit headers and records the Intercom-Version header', async () => {
    const contact = upstreams.seed.intercom.contacts[0] as IntercomContact;
    const answer = await intercom(`/contacts/${contact.id}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'])
      expect(answer.headers.get(name)).toMatch(/^\d+$/);
    expect(answer.body).toEqual(contact);
    const [call] = upstreams.intercom.calls;
    expect(call).toMatchObject({ method: 'GET', path: `/contacts/${contact.id}`, status: 200 });
    expect(call?.headers['intercom-version']).toBe('2.16');
    const washburn = await intercom('/contacts/5ba682d23d7cf92bef87bfd4');
    expect(washburn.body).toMatchObject({ name: 'Hoban Washburn', external_id: '25', role: 'user' });
  });

  it('finds one tag by id, 404 for an unknown one', async () => {
    const tag = upstreams.seed.intercom.tags[3] as { id: string; name: string };
    const found = await intercom(`/tags/${tag.id}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ type: 'tag', id: tag.id, name: tag.name });
    const unknown = await intercom('/tags/999999999');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'error.list', errors: [{ code: 'not_found' }] });
  });

  it('answers 404 for unknown and archived contacts, 410 with a canonical Link for a merged one', async () => {
    const unknown = await intercom('/contacts/000000000000000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual([{ code: 'not_found', message: 'User Not Found' }]);
    const archived = await intercom(`/contacts/${upstreams.seed.intercom.archived[0]}`);
    expect(archived.status).toBe(404);
    expect(archived.body.errors[0].code).toBe('not_found');
    const [oldId, canonical] = Object.entries(upstreams.seed.intercom.merged)[0] as [string, string];
    const merged = await intercom(`/contacts/${oldId}`);
    expect(merged.status).toBe(410);
    expect(merged.headers.get('link')).toBe(`<${upstreams.intercom.url}/contacts/${canonical}>; rel="canonical"`);
    expect(merged.body).toMatchObject({ type: 'error.list', errors: [{ code: 'contact_merged' }] });
    expect((await intercom(`/contacts/${canonical}`)).status).toBe(200);
  });

  it('pages contacts with pages.next.starting_after: every listed contact once, next omitted on the last page', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let expectedPage = 1;
    const { contacts, archived } = upstreams.seed.intercom;
    const listed = contacts.filter((c) => !archived.includes(c.id)).map((c) => c.id);
    do {
      const page: Answer = await intercom(`/contacts?per_page=25${after ? `&starting_after=${after}` : ''}`);
      expect(page.body).toMatchObject({
        type: 'list',
        total_count: listed.length,
        pages: { type: 'pages', page: expectedPage, per_page: 25, total_pages: Math.ceil(listed.length / 25) },
      });
      seen.push(...page.body.data.map((c: { id: string }) => c.id));
      after = page.body.pages.next?.starting_after;
      if (after) expect(page.body.pages.next.per_page).toBe(25);
      else expect('next' in page.body.pages).toBe(false);
      expectedPage += 1;
    } while (after);
    expect(seen).toEqual(listed);
    expect(seen).not.toContain(Object.keys(upstreams.seed.intercom.merged)[0]);
    // The lagging contacts are listed: only search misses them.
    for (const id of upstreams.seed.intercom.searchLag) expect(seen).toContain(id);
  });

  it('defaults per_page to 50 and refuses bad page parameters with parameter_invalid', async () => {
    expect((await intercom('/contacts')).body.data).toHaveLength(50);
    for (const query of ['per_page=151', 'per_page=0', 'per_page=x', 'starting_after=garbage']) {
      const answer = await intercom(`/contacts?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.errors[0].code, query).toBe('parameter_invalid');
    }
  });

  it('searches by id IN (the batch get), skipping contacts search has not caught up with', async () => {
    const { contacts, searchLag, archived } = upstreams.seed.intercom;
    const ids = contacts.slice(0, 15).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([...searchLag, ...archived]));
    const many = await search({ query: { field: 'id', operator: 'IN', value: ids }, pagination: { per_page: 50 } });
    expect(many.status).toBe(200);
    expect(many.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
    expect(sorted(many.body.data.map((c: { id: string }) => c.id))).toEqual(
      sorted(ids.filter((id) => !searchLag.includes(id) && !archived.includes(id))),
    );
    // Yet a lagging contact is there for GET.
    expect((await intercom(`/contacts/${searchLag[0]}`)).status).toBe(200);
    const [oldId] = Object.keys(upstreams.seed.intercom.merged);
    expect(await searchIds({ field: 'id', operator: '=', value: oldId })).toEqual([]);
  });

  it('implements the string operators case-insensitively', async () => {
    const expectIds = async (query: unknown, predicate: (c: IntercomContact) => boolean) => {
      const expected = searchable()
        .filter(predicate)
        .map((c) => c.id);
      expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(sorted(await searchIds(query)), JSON.stringify(query)).toEqual(sorted(expected));
    };
    const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : null);
    await expectIds(
      { field: 'email', operator: '=', value: 'grace.HOPPER@example.org' },
      (c) => c.name === 'Grace Hopper',
    );
    await expectIds({ field: 'name', operator: '!=', value: 'grace hopper' }, (c) => c.name !== 'Grace Hopper');
    await expectIds({ field: 'name', operator: '^', value: 'ada' }, (c) => lower(c.name)?.startsWith('ada') === true);
    await expectIds({ field: 'email', operator: '$', value: '@CUSTOMER.example' }, (c) =>
      Boolean(lower(c.email)?.endsWith('@customer.example')),
    );
    await expectIds({ field: 'email', operator: '~', value: 'Example' }, (c) =>
      Boolean(lower(c.email)?.includes('example')),
    );
    await expectIds(
      { field: 'email', operator: '!~', value: 'customer' },
      (c) => !lower(c.email)?.includes('customer'),
    );
    await expectIds({ field: 'role', operator: 'NIN', value: ['user'] }, (c) => c.role === 'lead');
    await expectIds({ field: 'role', operator: 'IN', value: ['LEAD', 'nobody'] }, (c) => c.role === 'lead');
    // Phones compare as stored: Ada's national spelling in Intercom is not found by its E.164 form.
    expect(await searchIds({ field: 'phone', operator: '=', value: '+14155550134' })).toEqual([]);
    await expectIds({ field: 'phone', operator: '=', value: '(415) 555-0134' }, (c) => c.phone === '(415) 555-0134');
    await expectIds({ field: 'email', operator: '=', value: null }, (c) => c.email === null);
    await expectIds({ field: 'external_id', operator: '=', value: '25' }, (c) => c.external_id === '25');
    await expectIds(
      { field: 'location.country', operator: '=', value: 'ireland' },
      (c) => c.location?.country === 'Ireland',
    );
    await expectIds({ field: 'location.city', operator: '=', value: 'Dublin' }, (c) => c.location?.city === 'Dublin');
    await expectIds(
      { field: 'custom_attributes.paid_subscriber', operator: '=', value: true },
      (c) => c.custom_attributes?.paid_subscriber === true,
    );
  });

  it('searches tag_id with = and !=', async () => {
    const { contactTags, tags } = upstreams.seed.intercom;
    const vip = tags.find((t) => t.name === 'VIP')?.id as string;
    const tagged = searchable().filter((c) => contactTags[c.id]?.includes(vip));
    expect(tagged.length).toBeGreaterThan(0);
    expect(sorted(await searchIds({ field: 'tag_id', operator: '=', value: vip }))).toEqual(
      sorted(tagged.map((c) => c.id)),
    );
    expect(await searchIds({ field: 'tag_id', operator: '!=', value: vip })).toHaveLength(
      searchable().length - tagged.length,
    );
  });

  it('nests AND/OR groups up to 2 levels below the top', async () => {
    const nested = await search({
      query: {
        operator: 'AND',
        value: [
          { field: 'role', operator: '=', value: 'user' },
          {
            operator: 'OR',
            value: [
              { field: 'name', operator: '~', value: 'lovelace' },
              {
                operator: 'AND',
                value: [
                  { field: 'name', operator: '~', value: 'hopper' },
                  { field: 'email', operator: '~', value: 'grace' },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(nested.status).toBe(200);
    const expected = searchable()
      .filter((c) => c.role === 'user' && /lovelace|hopper/i.test(c.name ?? ''))
      .map((c) => c.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(nested.body.data.map((c: { name: string }) => c.name).sort()).toEqual(expected.sort());
    const tooDeep = {
      operator: 'AND',
      value: [{ operator: 'OR', value: [{ operator: 'AND', value: [{ operator: 'OR', value: [] }] }] }],
    };
    const refused = await search({ query: tooDeep });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].code).toBe('parameter_invalid');
  });

  it('refuses invalid queries with 400 parameter_invalid', async () => {
    const sixteen = Array.from({ length: 16 }, () => ({ field: 'name', operator: '=', value: 'x' }));
    const fifteen = sixteen.slice(1);
    expect((await search({ query: { operator: 'OR', value: fifteen } })).status).toBe(200);
    const bad: unknown[] = [
      {},
      { query: null },
      { query: { operator: 'OR', value: sixteen } },
      { query: { field: 'tag_id', operator: '~', value: '1' } },
      { query: { field: 'tag_id', operator: 'IN', value: ['1'] } },
      { query: { field: 'updated_at', operator: '>=', value: 1 } },
      { query: { field: 'created_at', operator: '!=', value: 1 } },
      { query: { field: 'created_at', operator: '=', value: 'yesterday' } },
      { query: { field: 'id', operator: 'IN', value: 'abc' } },
      { query: { field: 'id', operator: '=', value: ['abc'] } },
      { query: { field: 'id', operator: 'LIKE', value: 'abc' } },
      { query: { operator: '=', value: 'abc' } },
      { query: { field: 'id', operator: '=', value: 'x' }, pagination: { per_page: 151 } },
      { query: { field: 'id', operator: '=', value: 'x' }, pagination: { starting_after: 'nope' } },
      '{"query": ',
    ];
    for (const body of bad) {
      const answer = await search(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ type: 'error.list', errors: [{ code: 'parameter_invalid' }] });
    }
  });

  it('compares dates by whole UTC days', async () => {
    const contact = searchable()[20] as IntercomContact;
    const day = Math.floor(contact.created_at / 86400) * 86400;
    const sameDay = searchable().filter((c) => c.created_at >= day && c.created_at < day + 86400);
    expect(sorted(await searchIds({ field: 'created_at', operator: '=', value: day + 5 }))).toEqual(
      sorted(sameDay.map((c) => c.id)),
    );
    // A numeric string works too (the spec's own example sends one).
    expect(await searchIds({ field: 'created_at', operator: '=', value: String(day) })).toContain(contact.id);
    // `>` starts at the next day: not even a contact created later that same day.
    const later = await searchIds({ field: 'created_at', operator: '>', value: contact.created_at - 1 });
    expect(later).not.toContain(contact.id);
    expect(sorted(later)).toEqual(
      sorted(
        searchable()
          .filter((c) => c.created_at >= day + 86400)
          .map((c) => c.id),
      ),
    );
    // `<` ends before the start of that day.
    const earlier = await searchIds({ field: 'created_at', operator: '<', value: contact.created_at + 1 });
    expect(earlier).not.toContain(contact.id);
    expect(sorted(earlier)).toEqual(
      sorted(
        searchable()
          .filter((c) => c.created_at < day)
          .map((c) => c.id),
      ),
    );
  });

  it('sorts by a field, descending by default, and refuses an unknown order', async () => {
    const byCreated = [...searchable()].sort((a, b) => a.created_at - b.created_at).map((c) => c.id);
    const everyone = { field: 'id', operator: 'NIN', value: [] };
    expect(await searchIds(everyone, { field: 'created_at', order: 'ascending' })).toEqual(byCreated);
    expect(await searchIds(everyone, { field: 'created_at' })).toEqual([...byCreated].reverse());
    const refused = await search({ query: everyone, sort: { field: 'created_at', order: 'desc' } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].code).toBe('invalid_sort_order');
  });

  it('pages search results, every match once', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page: Answer = await search({
        query: { field: 'role', operator: '=', value: 'user' },
        pagination: { per_page: 7, starting_after: after },
      });
      expect(page.body.data.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.data.map((c: { id: string }) => c.id));
      after = page.body.pages.next?.starting_after;
    } while (after);
    expect(sorted(seen)).toEqual(
      sorted(
        searchable()
          .filter((c) => c.role === 'user')
          .map((c) => c.id),
      ),
    );
    const empty = await search({ query: { field: 'name', operator: '=', value: 'nobody at all' } });
    expect(empty.body).toMatchObject({ type: 'list', data: [], total_count: 0 });
    expect(empty.body.pages.next).toBeUndefined();
  });

  it('truncates inline reference lists to 10 with has_more, and serves the sub-lists in full', async () => {
    const { contacts, contactTags, contactCompanies, tags, companies } = upstreams.seed.intercom;
    const withTags = contacts.find((c) => c.tags?.has_more) as IntercomContact;
    expect(withTags.tags).toMatchObject({ type: 'list', url: `/contacts/${withTags.id}/tags`, total_count: 12 });
    expect(withTags.tags?.data).toHaveLength(10);
    expect(withTags.tags?.data[0]).toEqual({
      type: 'tag',
      id: expect.any(String),
      url: expect.stringMatching(/^\/tags\//),
    });
    const tagList = await intercom(`/contacts/${withTags.id}/tags`);
    expect(tagList.body).toEqual({
      type: 'list',
      data: (contactTags[withTags.id] ?? []).map((id) => ({
        type: 'tag',
        id,
        name: tags.find((t) => t.id === id)?.name,
      })),
    });
    expect(tagList.body.data).toHaveLength(12);

    const withCompanies = contacts.find((c) => c.companies?.has_more) as IntercomContact;
    expect(withCompanies.companies?.data).toHaveLength(10);
    const companyList = await intercom(`/contacts/${withCompanies.id}/companies`);
    expect(companyList.body).toMatchObject({ type: 'list', total_count: 11, pages: { type: 'pages', next: null } });
    expect(companyList.body.data).toEqual(
      (contactCompanies[withCompanies.id] ?? []).map((id) => companies.find((c) => c.id === id)),
    );

    const withNotes = contacts.find((c) => c.notes?.has_more) as IntercomContact;
    expect(withNotes.notes?.data).toHaveLength(10);
    const notes = await intercom(`/contacts/${withNotes.id}/notes`);
    expect(notes.body).toMatchObject({ type: 'list', total_count: 12, pages: { type: 'pages' } });
    const times = notes.body.data.map((n: { created_at: number }) => n.created_at);
    expect(times).toEqual([...times].sort((a: number, b: number) => b - a));
    expect(notes.body.data[0]).toMatchObject({
      type: 'note',
      body: expect.stringMatching(/^<p>/),
      contact: { id: withNotes.id },
      author: { type: 'admin', id: expect.any(String), name: expect.any(String), email: expect.any(String) },
    });

    const plain = contacts.find((c) => (c.tags?.total_count ?? 0) > 0 && !c.tags?.has_more) as IntercomContact;
    expect(plain.tags?.has_more).toBe(false);
    expect(plain.tags?.data).toHaveLength(plain.tags?.total_count ?? -1);
    expect((await intercom(`/contacts/${upstreams.seed.intercom.archived[0]}/tags`)).status).toBe(404);
  });

  it('serves every tag and single companies', async () => {
    const tags = await intercom('/tags');
    expect(tags.body).toEqual({ type: 'list', data: upstreams.seed.intercom.tags });
    const company = upstreams.seed.intercom.companies[0];
    const one = await intercom(`/companies/${company?.id}`);
    expect(one.body).toEqual(company);
    expect(one.body).toMatchObject({ type: 'company', website: expect.any(String), industry: expect.any(String) });
    const missing = await intercom('/companies/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'error.list', errors: [{ code: 'not_found' }] });
  });

  it('answers an unknown route 404 and a wrong method 405 as error lists', async () => {
    expect((await intercom('/conversations')).status).toBe(404);
    const response = await fetch(`${upstreams.intercom.url}/tags`, { method: 'DELETE', headers: I });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(await response.json()).toMatchObject({ type: 'error.list', errors: [{ code: 'method_not_allowed' }] });
  });
});

describe('the fake server harness', () => {
  it('records calls with query, body, lowercased headers and status, and counts them', async () => {
    await backside('/api/v1/contacts?limit=5&q=ada');
    await search({ query: { field: 'id', operator: '=', value: 'x' } });
    expect(upstreams.backside.calls).toEqual([
      {
        method: 'GET',
        path: '/api/v1/contacts',
        query: { limit: '5', q: 'ada' },
        headers: expect.objectContaining({ authorization: B.authorization }),
        status: 200,
      },
    ]);
    expect(upstreams.intercom.calls[0]).toMatchObject({
      method: 'POST',
      path: '/contacts/search',
      body: { query: { field: 'id', operator: '=', value: 'x' } },
      status: 200,
    });
    expect(upstreams.intercom.count()).toBe(1);
    expect(upstreams.intercom.count({ method: 'GET' })).toBe(0);
    expect(upstreams.intercom.count({ path: /^\/contacts\// })).toBe(1);
    upstreams.intercom.reset();
    expect(upstreams.intercom.calls).toEqual([]);
  });

  it('lets an interceptor answer instead of the fake, records its status, and removes it', async () => {
    const seenStatuses: number[] = [];
    const remove = upstreams.intercom.use((req, res, call) => {
      seenStatuses.push(call.status);
      if (!req.url?.startsWith('/tags')) return false;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"type":"error.list","errors":[{"code":"service_unavailable","message":"down"}]}');
      return true;
    });
    expect((await intercom('/tags')).status).toBe(503);
    expect((await intercom('/companies/nope')).status).toBe(404);
    expect(seenStatuses).toEqual([0, 0]);
    expect(upstreams.intercom.calls.map((c) => c.status)).toEqual([503, 404]);
    remove();
    expect((await intercom('/tags')).status).toBe(200);
  });

  it('answers 500 in the upstream’s format when an interceptor throws', async () => {
    const remove = upstreams.backside.use(() => {
      throw new Error('boom');
    });
    try {
      const answer = await backside('/api/v1/contacts');
      expect(answer.status).toBe(500);
      expect(answer.body.error.code).toBeTruthy();
    } finally {
      remove();
    }
  });

  it('delays each answer by the configured latency', async () => {
    upstreams.backside.setLatency(60);
    try {
      const started = performance.now();
      await backside('/api/v1/contacts?limit=1');
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      upstreams.backside.setLatency(0);
    }
  });

  it('closes with a request left hanging, and refuses a port already taken', async () => {
    const fake = await startBacksideFake(createSeed());
    fake.use(() => true); // never answers
    const pending = fetch(`${fake.url}/api/v1/contacts`, { headers: B }).catch((failure: unknown) => failure);
    while (fake.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await fake.close();
    expect(await pending).toBeInstanceOf(Error);
    const port = Number(new URL(upstreams.backside.url).port);
    await expect(startDemoUpstreams({ intercomPort: port })).rejects.toThrow(/EADDRINUSE/);
  });
});

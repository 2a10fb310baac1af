// The loopback fakes speak each upstream's protocol: status codes, headers, error bodies, pagination and search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoUpstreams, startDemoUpstreams } from '../src/demo/index.js';

let upstreams: DemoUpstreams;
beforeAll(async () => {
  upstreams = await startDemoUpstreams();
});
afterAll(() => upstreams.close());

const B = { authorization: 'Bearer bsk_test_demo' };
const I = { authorization: 'Bearer ic_test_demo', 'intercom-version': '2.16' };
async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
async function search(body: unknown) {
  const response = await fetch(`${upstreams.intercom.url}/contacts/search`, {
    method: 'POST',
    headers: { ...I, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('Backside fake', () => {
  it('answers 402 without credentials, 401 for an unknown key, with the documented error body', async () => {
    const none = await get(upstreams.backside.url, '/api/v1/contacts');
    expect(none.status).toBe(402);
    expect(none.body).toMatchObject({ error: { code: 'payment_required' }, payment_options: expect.any(Array) });
    const bad = await get(upstreams.backside.url, '/api/v1/contacts', { authorization: 'Bearer bsk_live_nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: { code: 'unauthorized', message: 'Invalid API key' } });
  });

  it('serves a full contact with rate-limit headers, and 404 for another tenant’s record', async () => {
    const mine = upstreams.seed.backside.contacts[10];
    const ok = await get(upstreams.backside.url, `/api/v1/contacts/${mine?.id}`, B);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit')).toBeTruthy();
    expect(ok.headers.get('content-type')).toMatch(/application\/json/);
    expect(Object.keys(ok.body)).toEqual(
      expect.arrayContaining(['addresses', 'affiliations', 'channels', 'dates', 'tags']),
    );
    const theirs = upstreams.seed.backside.contacts.find((c) => c.tenant_id !== mine?.tenant_id);
    const hidden = await get(upstreams.backside.url, `/api/v1/contacts/${theirs?.id}`, B);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('not_found');
  });

  it('pages the list with an opaque cursor, every record once, items without related arrays', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(
        upstreams.backside.url,
        `/api/v1/contacts?limit=30${cursor ? `&cursor=${cursor}` : ''}`,
        B,
      );
      expect(page.status).toBe(200);
      for (const item of page.body.data) {
        expect(item.channels).toBeUndefined();
        seen.push(item.id);
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    const tenant = upstreams.seed.backside.tenants[0]?.id;
    expect(seen.sort()).toEqual(
      upstreams.seed.backside.contacts
        .filter((c) => c.tenant_id === tenant)
        .map((c) => c.id)
        .sort(),
    );
    expect((await get(upstreams.backside.url, '/api/v1/contacts?limit=101', B)).status).toBe(400);
    expect((await get(upstreams.backside.url, '/api/v1/contacts?cursor=zzz', B)).status).toBe(400);
  });

  it('finds by channel (email case-insensitive, phone by digits) and answers affiliations as a bare array', async () => {
    const found = await get(
      upstreams.backside.url,
      '/api/v1/contacts/find-by-channel?type=email&value=UPPER.CASE@mail.example',
      B,
    );
    expect(found.status).toBe(200);
    expect(found.body.channels).toBeUndefined();
    const phone = await get(
      upstreams.backside.url,
      '/api/v1/contacts/find-by-channel?type=phone&value=%2B14155550177',
      B,
    );
    expect(phone.status).toBe(200);
    expect(
      (await get(upstreams.backside.url, '/api/v1/contacts/find-by-channel?type=email&value=none@x.example', B)).status,
    ).toBe(404);
    expect((await get(upstreams.backside.url, '/api/v1/contacts/find-by-channel', B)).status).toBe(400);
    const withAffiliations = upstreams.seed.backside.contacts.find((c) => (c.affiliations?.length ?? 0) > 0);
    const affiliations = await get(upstreams.backside.url, `/api/v1/contacts/${withAffiliations?.id}/affiliations`, B);
    expect(Array.isArray(affiliations.body)).toBe(true);
  });
});

describe('Intercom fake', () => {
  it('answers 401 with an error.list without a valid token', async () => {
    const response = await get(upstreams.intercom.url, '/contacts', { authorization: 'Bearer wrong' });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ type: 'error.list', errors: [{ code: 'unauthorized' }] });
  });

  it('answers 410 with a canonical Link for a merged contact, 404 for an archived one', async () => {
    const [oldId, canonical] = Object.entries(upstreams.seed.intercom.merged)[0] as [string, string];
    const merged = await get(upstreams.intercom.url, `/contacts/${oldId}`, I);
    expect(merged.status).toBe(410);
    expect(merged.headers.get('link')).toBe(`<${upstreams.intercom.url}/contacts/${canonical}>; rel="canonical"`);
    const archived = await get(upstreams.intercom.url, `/contacts/${upstreams.seed.intercom.archived[0]}`, I);
    expect(archived.status).toBe(404);
    expect(archived.body.errors[0].code).toBe('not_found');
  });

  it('pages contacts with pages.next.starting_after and refuses per_page over 150', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page: any = await get(
        upstreams.intercom.url,
        `/contacts?per_page=25${after ? `&starting_after=${after}` : ''}`,
        I,
      );
      seen.push(...page.body.data.map((c: { id: string }) => c.id));
      after = page.body.pages.next?.starting_after;
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(upstreams.seed.intercom.contacts.length - upstreams.seed.intercom.archived.length);
    expect((await get(upstreams.intercom.url, '/contacts?per_page=151', I)).status).toBe(400);
  });

  it('searches: id IN, nested AND/OR, and the documented limits', async () => {
    const ids = upstreams.seed.intercom.contacts.slice(0, 5).map((c) => c.id);
    const many = await search({ query: { field: 'id', operator: 'IN', value: ids }, pagination: { per_page: 50 } });
    expect(many.body.data.map((c: { id: string }) => c.id).sort()).toEqual(
      ids.filter((id) => !upstreams.seed.intercom.searchLag.includes(id)).sort(),
    );
    const nested = await search({
      query: {
        operator: 'AND',
        value: [
          { field: 'role', operator: '=', value: 'user' },
          {
            operator: 'OR',
            value: [
              { field: 'name', operator: '~', value: 'lovelace' },
              { field: 'name', operator: '~', value: 'hopper' },
            ],
          },
        ],
      },
    });
    const { contacts, archived, searchLag } = upstreams.seed.intercom;
    const expected = contacts
      .filter(
        (c) =>
          c.role === 'user' &&
          /lovelace|hopper/i.test(c.name ?? '') &&
          !archived.includes(c.id) &&
          !searchLag.includes(c.id),
      )
      .map((c) => c.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(nested.body.data.map((c: { name: string }) => c.name).sort()).toEqual(expected.sort());
    const sixteen = Array.from({ length: 16 }, () => ({ field: 'name', operator: '=', value: 'x' }));
    expect((await search({ query: { operator: 'OR', value: sixteen } })).status).toBe(400);
    expect((await search({ query: { field: 'tag_id', operator: '~', value: '1' } })).status).toBe(400);
    expect((await search({ query: { field: 'updated_at', operator: '>=', value: 1 } })).status).toBe(400);
    expect((await search({})).status).toBe(400);
  });

  it('compares dates by whole days', async () => {
    const contact = upstreams.seed.intercom.contacts[20];
    const day = Math.floor((contact?.created_at as number) / 86400) * 86400;
    const same = await search({
      query: { field: 'created_at', operator: '=', value: day + 5 },
      pagination: { per_page: 150 },
    });
    expect(same.body.data.some((c: { id: string }) => c.id === contact?.id)).toBe(true);
    const after = await search({
      query: { field: 'created_at', operator: '>', value: (contact?.created_at as number) - 1 },
      pagination: { per_page: 150 },
    });
    expect(after.body.data.some((c: { id: string }) => c.id === contact?.id)).toBe(false);
  });

  it('truncates inline lists to 10 with has_more, and serves the sub-lists in full', async () => {
    const contact = upstreams.seed.intercom.contacts.find((c) => c.tags?.has_more);
    expect(contact?.tags?.data).toHaveLength(10);
    const tags = await get(upstreams.intercom.url, `/contacts/${contact?.id}/tags`, I);
    expect(tags.body.data.length).toBeGreaterThan(10);
    const withCompanies = upstreams.seed.intercom.contacts.find((c) => c.companies?.has_more);
    const companies = await get(upstreams.intercom.url, `/contacts/${withCompanies?.id}/companies`, I);
    expect(companies.body.data.length).toBe(withCompanies?.companies?.total_count);
    const withNotes = upstreams.seed.intercom.contacts.find((c) => c.notes?.has_more);
    const notes = await get(upstreams.intercom.url, `/contacts/${withNotes?.id}/notes`, I);
    const times = notes.body.data.map((n: { created_at: number }) => n.created_at);
    expect(times).toEqual([...times].sort((a: number, b: number) => b - a));
  });
});

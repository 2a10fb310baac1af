// Every mutation of the write contract on each source against the loopback fakes (issue 12): the exact upstream calls
// (method + route template + count, key body fields), the record answered after the change and seen by a following
// read, what each answers when the source refuses, and each validation error with zero upstream calls. The run writes
// the table "mutation × source → upstream calls" from the recorded calls to .scratch/calls-table.md.
// (Lost answers, idempotency, auth and stale reads: test/writes-exactly-once.test.ts.)
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEMO_BACKSIDE_API_KEY,
  DEMO_INTERCOM_ADMIN_ID,
  DEMO_INTERCOM_TOKEN,
  type RecordedCall,
  SHARED_PEOPLE,
} from '../src/demo/index.js';
import { encodeGlobalID, nodeKey } from '../src/schema/ids.js';
import { createGateway } from '../src/yoga.js';
import { type GraphQLResponse, type Stack, startStack } from './helpers/stack.js';

type Source = 'BACKSIDE' | 'INTERCOM';

/** The gateway with INTERCOM_ADMIN_ID set, over the fakes. */
let stack: Stack;
/** A gateway without INTERCOM_ADMIN_ID over the same fakes (its calls are recorded on the same fakes). */
let noAdmin: Stack;
beforeAll(async () => {
  noAdmin = await startStack();
  const { upstreams } = noAdmin;
  const gateway = createGateway({
    backside: { baseUrl: upstreams.backside.url, apiKey: DEMO_BACKSIDE_API_KEY },
    intercom: {
      baseUrl: upstreams.intercom.url,
      accessToken: DEMO_INTERCOM_TOKEN,
      version: '2.16',
      adminId: DEMO_INTERCOM_ADMIN_ID,
    },
    upstream: { timeoutMs: 5000, concurrency: 8 },
    defaultRegion: 'US',
    graphiql: false,
    logging: false,
  });
  stack = {
    ...noAdmin,
    gateway,
    async query(query, variables) {
      const response = await gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<any>;
    },
  };
});
afterAll(async () => {
  writeTable();
  await noAdmin.close();
});
beforeEach(() => {
  stack.upstreams.backside.control.clear();
  stack.upstreams.intercom.control.clear();
  stack.reset();
});

const contactId = (source: Source, id: string) => encodeGlobalID('Contact', nodeKey(source, id));
const companyId = (source: Source, id: string) => encodeGlobalID('Company', nodeKey(source, id));

// ------------------------------------------------------------------------------------------------ recorded calls

const COLLECTIONS = new Set(['contacts', 'tags', 'affiliations', 'companies', 'notes', 'channels', 'addresses']);
const FIXED = new Set(['search', 'merge', 'find-by-channel', 'archive', 'unarchive', 'scroll', 'list']);

/** `/api/v1/contacts/3f…/tags/9a…` → `/api/v1/contacts/{id}/tags/{id}`. */
function route(path: string): string {
  const parts = path.split('/');
  return parts
    .map((part, i) => (i > 0 && COLLECTIONS.has(parts[i - 1] as string) && !FIXED.has(part) ? '{id}' : part))
    .join('/');
}

function routesOf(calls: RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const key = `${call.method} ${route(call.path)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** The upstream calls of both fakes since the last reset, by route. */
function routes(on: Stack = stack) {
  return { backside: routesOf(on.upstreams.backside.calls), intercom: routesOf(on.upstreams.intercom.calls) };
}

const writes = (calls: RecordedCall[]) =>
  calls.filter((call) => call.method !== 'GET' && !call.path.endsWith('/search'));

/** Rows of the closing note's table, from what the tests recorded. */
const table = new Map<string, { mutation: string; source: Source; outcome: string; calls: string }>();

/** Records the calls the last mutation made on `source` (since the last reset) as a row of the table. */
function note(mutation: string, source: Source, outcome: string, on: Stack = stack) {
  const counts = routes(on)[source === 'BACKSIDE' ? 'backside' : 'intercom'];
  const calls =
    Object.entries(counts)
      .map(([key, n]) => (n > 1 ? `${key} ×${n}` : key))
      .join(', ') || '(none)';
  table.set(`${mutation}|${source}|${outcome}`, { mutation, source, outcome, calls });
}

function writeTable() {
  // The A-endpoint modes that answered alike with the same calls share a row.
  const merged = new Map<
    string,
    { mutation: string; source: Source; outcome: string; calls: string; modes: string[] }
  >();
  for (const row of table.values()) {
    const mode = /\(A endpoint (\S+)\)$/.exec(row.outcome)?.[1];
    const base = row.outcome.replace(/\(A endpoint \S+\)$/, '(A endpoint {modes})');
    const key = `${row.mutation}|${row.source}|${base}|${row.calls}`;
    const entry = merged.get(key) ?? { ...row, outcome: base, modes: [] };
    if (mode) entry.modes.push(mode);
    merged.set(key, entry);
  }
  const rows = [...merged.values()]
    .map((row) => ({ ...row, outcome: row.outcome.replace('{modes}', row.modes.join(' / ')) }))
    .sort(
      (a, b) =>
        a.mutation.localeCompare(b.mutation) || a.source.localeCompare(b.source) || a.outcome.localeCompare(b.outcome),
    );
  const lines = [
    '| mutation | source | answer | upstream calls |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.mutation} | ${row.source} | ${row.outcome} | ${row.calls.replace(/\|/g, '\\|')} |`),
  ];
  const markdown = `${lines.join('\n')}\n`;
  console.info(`mutation × source → upstream calls (recorded by test/writes.test.ts)\n${markdown}`);
  mkdirSync('.scratch', { recursive: true });
  writeFileSync(
    '.scratch/calls-table.md',
    `<!-- generated by \`npx vitest run test/writes.test.ts\` from the fakes' recorded calls -->\n${markdown}`,
  );
}

// ------------------------------------------------------------------------------------------------ GraphQL

const CONTACT = `id source sourceId kind role displayName givenName familyName email phone externalId deletedAt
  customAttributes tags { name } companies { id name } affiliations { title company { id name } }
  channels { type value canonicalValue } addresses { city postalCode countryCode } notes { text }`;
const ERRORS = 'userErrors { field message code }';

interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}

async function mutate(mutation: string, input: Record<string, unknown>, selection: string, on: Stack = stack) {
  const response = await on.query(
    `mutation($input: ${inputType(mutation)}!) { ${mutation}(input: $input) { ${selection} ${ERRORS} } }`,
    { input },
  );
  expect(response.errors).toBeUndefined();
  return response.data?.[mutation] as Record<string, any> & { userErrors: UserError[] };
}

function inputType(mutation: string): string {
  const special: Record<string, string> = {
    untagContact: 'TagContactInput',
    attachCompany: 'CompanyLinkInput',
    detachCompany: 'CompanyLinkInput',
  };
  return special[mutation] ?? `${mutation[0]?.toUpperCase()}${mutation.slice(1)}Input`;
}

const contactMutation = (mutation: string, input: Record<string, unknown>, on?: Stack) =>
  mutate(mutation, input, `contact { ${CONTACT} }`, on);

/** A following read: a new request, the contact by its global id. */
async function read(id: string, on: Stack = stack) {
  const response = await on.query(`query($id: ID!) { contact(id: $id) { ${CONTACT} } }`, { id });
  expect(response.errors).toBeUndefined();
  return response.data?.contact as Record<string, any> | null;
}

let serial = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++serial}@writes.example`;

/** A fresh contact to change (created through the gateway), then the calls forgotten. */
async function fresh(source: Source, input: Record<string, unknown> = {}) {
  const payload = await contactMutation('createContact', {
    source,
    givenName: 'Rosalind',
    familyName: 'Franklin',
    email: unique('rosalind'),
    ...input,
  });
  expect(payload.userErrors).toEqual([]);
  stack.reset();
  return payload.contact as Record<string, any>;
}

const names = (list: { name: string }[]) => list.map((item) => item.name).sort();
const noCalls = () => expect(routes()).toEqual({ backside: {}, intercom: {} });

// ================================================================================================ createContact

describe('createContact', () => {
  it('Backside: one POST /api/v1/contacts with the fields and the channels inline, and the record answered', async () => {
    const email = unique('ada');
    const payload = await contactMutation('createContact', {
      source: 'BACKSIDE',
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: ` ${email.toUpperCase()} `,
      phone: '(415) 555-0199',
      customAttributes: { team: 'engines' },
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact).toMatchObject({ source: 'BACKSIDE', givenName: 'Ada', familyName: 'Lovelace', email });
    expect(payload.contact.phone).toBe('+14155550199');
    const calls = routes();
    expect(calls.intercom).toEqual({});
    expect(calls.backside['POST /api/v1/contacts']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    const body = stack.upstreams.backside.calls.find((c) => c.method === 'POST')?.body as Record<string, any>;
    expect(body).toMatchObject({ given_name: 'Ada', family_name: 'Lovelace', metadata: { team: 'engines' } });
    expect(body.channels).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'email', value: email }),
        expect.objectContaining({ type: 'phone', value: '+14155550199' }),
      ]),
    );
    expect(stack.upstreams.backside.calls.find((c) => c.method === 'POST')?.headers['idempotency-key']).toBeTruthy();
    note('createContact', 'BACKSIDE', 'created', stack);
    expect(calls.backside).toEqual({ 'POST /api/v1/contacts': 1 });
    stack.reset();
    expect(await read(payload.contact.id)).toMatchObject({ givenName: 'Ada', email });
  });

  it('Intercom: one POST /contacts with role, joined name, email and phone; the record answered', async () => {
    const email = unique('grace');
    const payload = await contactMutation('createContact', {
      source: 'INTERCOM',
      role: 'LEAD',
      givenName: 'Grace',
      familyName: 'Hopper',
      email,
      phone: '+44 20 7946 0958',
      externalId: `ext-${serial}`,
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact).toMatchObject({ source: 'INTERCOM', role: 'LEAD', displayName: 'Grace Hopper', email });
    const calls = routes();
    expect(calls.backside).toEqual({});
    expect(calls.intercom['POST /contacts']).toBe(1);
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(1);
    expect(stack.upstreams.intercom.calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      role: 'lead',
      name: 'Grace Hopper',
      email,
      phone: '+442079460958',
      external_id: `ext-${serial}`,
    });
    note('createContact', 'INTERCOM', 'created');
    expect(calls.intercom).toEqual({ 'POST /contacts': 1 });
    expect(await read(payload.contact.id)).toMatchObject({ displayName: 'Grace Hopper', role: 'LEAD' });
  });
});

// ================================================================================================ updateContact

describe('updateContact', () => {
  it('Backside: reads the contact, one PATCH with the changed fields; the new name answered and read', async () => {
    const contact = await fresh('BACKSIDE');
    const payload = await contactMutation('updateContact', {
      id: contact.id,
      givenName: 'Rosa',
      customAttributes: { lab: 'Birkbeck' },
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact).toMatchObject({ id: contact.id, givenName: 'Rosa', familyName: 'Franklin' });
    const calls = routes();
    expect(calls.intercom).toEqual({});
    expect(calls.backside['PATCH /api/v1/contacts/{id}']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    const patch = stack.upstreams.backside.calls.find((c) => c.method === 'PATCH');
    expect(patch?.path).toBe(`/api/v1/contacts/${contact.sourceId}`);
    expect(patch?.body).toMatchObject({ given_name: 'Rosa' });
    expect(patch?.body).not.toHaveProperty('family_name');
    note('updateContact', 'BACKSIDE', 'updated');
    // Read before (a missing contact is NOT_FOUND before any write) and after.
    expect(calls.backside).toEqual({ 'GET /api/v1/contacts/{id}': 2, 'PATCH /api/v1/contacts/{id}': 1 });
    expect(await read(contact.id)).toMatchObject({ givenName: 'Rosa', familyName: 'Franklin' });
  });

  it('Intercom: one PUT /contacts/{id} with the changed fields; the new name answered and read', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await contactMutation('updateContact', { id: contact.id, name: 'Rosalind E. Franklin' });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact).toMatchObject({ id: contact.id, displayName: 'Rosalind E. Franklin' });
    const calls = routes();
    expect(calls.backside).toEqual({});
    const put = stack.upstreams.intercom.calls.find((c) => c.method === 'PUT');
    expect(put?.path).toBe(`/contacts/${contact.sourceId}`);
    expect(put?.body).toEqual({ name: 'Rosalind E. Franklin' });
    note('updateContact', 'INTERCOM', 'updated');
    // Intercom answers the whole record: no read after.
    expect(calls.intercom).toEqual({ 'PUT /contacts/{id}': 1 });
    expect(await read(contact.id)).toMatchObject({ displayName: 'Rosalind E. Franklin' });
  });
});

// ================================================================================================ deleteContact

describe('deleteContact', () => {
  const del = (input: Record<string, unknown>, on?: Stack) => mutate('deleteContact', input, 'deletedContactId', on);

  it('Intercom archives by default: one POST /contacts/{id}/archive, the record kept as archived', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await del({ id: contact.id });
    expect(payload).toEqual({ deletedContactId: contact.id, userErrors: [] });
    expect(routes()).toEqual({ backside: {}, intercom: { 'POST /contacts/{id}/archive': 1 } });
    note('deleteContact', 'INTERCOM', 'archived');
    const store = stack.upstreams.intercom.control.store();
    expect(store.archived).toContain(contact.sourceId);
    expect(stack.upstreams.intercom.control.count((c) => c.id === contact.sourceId)).toBe(1);
    // An archived contact is not served any more.
    expect(await read(contact.id)).toBeNull();
  });

  it('Intercom permanently: one DELETE /contacts/{id}, the record gone, a following read answers null', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await del({ id: contact.id, permanently: true });
    expect(payload).toEqual({ deletedContactId: contact.id, userErrors: [] });
    expect(routes()).toEqual({ backside: {}, intercom: { 'DELETE /contacts/{id}': 1 } });
    note('deleteContact', 'INTERCOM', 'deleted (permanently: true)');
    expect(stack.upstreams.intercom.control.count((c) => c.id === contact.sourceId)).toBe(0);
    expect(await read(contact.id)).toBeNull();
  });

  it('Backside: one DELETE /api/v1/contacts/{id} (soft delete); a following read shows deletedAt', async () => {
    const contact = await fresh('BACKSIDE');
    const payload = await del({ id: contact.id });
    expect(payload).toEqual({ deletedContactId: contact.id, userErrors: [] });
    expect(routes()).toEqual({ backside: { 'DELETE /api/v1/contacts/{id}': 1 }, intercom: {} });
    note('deleteContact', 'BACKSIDE', 'soft-deleted');
    const stored = stack.upstreams.backside.control.contacts().find((c) => c.id === contact.sourceId);
    expect(stored?.deleted_at).toBeTruthy();
    const after = await read(contact.id);
    expect(after?.deletedAt ?? null).not.toBeNull();
  });

  it('Backside permanently: UNSUPPORTED_BY_SOURCE at ["input","permanently"], zero calls, nothing changed', async () => {
    const contact = await fresh('BACKSIDE');
    const payload = await del({ id: contact.id, permanently: true });
    expect(payload.deletedContactId).toBeNull();
    expect(payload.userErrors).toEqual([
      expect.objectContaining({ code: 'UNSUPPORTED_BY_SOURCE', field: ['input', 'permanently'] }),
    ]);
    noCalls();
    note('deleteContact', 'BACKSIDE', 'UNSUPPORTED_BY_SOURCE (permanently: true)');
    expect(stack.upstreams.backside.control.contacts().find((c) => c.id === contact.sourceId)?.deleted_at).toBeNull();
  });
});

// ================================================================================================ tags

describe('tagContact / untagContact', () => {
  it('Intercom tag: POST /tags {name} (created when missing) then POST /contacts/{id}/tags {id}', async () => {
    const contact = await fresh('INTERCOM');
    const tagName = `writes-${serial}`;
    const before = stack.upstreams.intercom.control.store().tags.length;
    const payload = await contactMutation('tagContact', { contactId: contact.id, tagName });
    expect(payload.userErrors).toEqual([]);
    expect(names(payload.contact.tags)).toContain(tagName);
    const calls = routes();
    expect(calls.backside).toEqual({});
    expect(calls.intercom['POST /tags']).toBe(1);
    expect(calls.intercom['POST /contacts/{id}/tags']).toBe(1);
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(2);
    const store = stack.upstreams.intercom.control.store();
    expect(store.tags).toHaveLength(before + 1);
    const created = store.tags.find((t) => t.name === tagName);
    expect(stack.upstreams.intercom.calls.find((c) => c.path === '/tags')?.body).toEqual({ name: tagName });
    expect(stack.upstreams.intercom.calls.find((c) => c.path.endsWith('/tags') && c.path !== '/tags')?.body).toEqual({
      id: created?.id,
    });
    note('tagContact', 'INTERCOM', 'tagged (tag created)');
    // The contact read first (a tag is created only for a contact that exists), then again after the change, and the
    // tag list (the contact's tag refs carry ids only).
    expect(calls.intercom).toEqual({
      'POST /tags': 1,
      'POST /contacts/{id}/tags': 1,
      'GET /contacts/{id}': 2,
      'GET /tags': 1,
    });
    expect(names((await read(contact.id))?.tags)).toContain(tagName);

    stack.reset();
    const untagged = await contactMutation('untagContact', { contactId: contact.id, tagName });
    expect(untagged.userErrors).toEqual([]);
    expect(names(untagged.contact.tags)).not.toContain(tagName);
    const untagCalls = routes();
    expect(untagCalls.intercom['DELETE /contacts/{id}/tags/{id}']).toBe(1);
    expect(stack.upstreams.intercom.calls.find((c) => c.method === 'DELETE')?.path).toBe(
      `/contacts/${contact.sourceId}/tags/${created?.id}`,
    );
    note('untagContact', 'INTERCOM', 'untagged');
    // The tag id comes from the (briefly cached) tag list read by the tag above.
    expect(untagCalls.intercom).toEqual({ 'DELETE /contacts/{id}/tags/{id}': 1, 'GET /contacts/{id}': 1 });
    expect(names((await read(contact.id))?.tags)).not.toContain(tagName);
  });

  it('Intercom untag of a tag the contact does not hold: no error, contact unchanged', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await contactMutation('untagContact', { contactId: contact.id, tagName: `never-${serial}` });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact).toMatchObject({ id: contact.id, tags: [] });
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(0);
    note('untagContact', 'INTERCOM', 'not held: no error');
    expect(routes()).toEqual({ backside: {}, intercom: { 'GET /tags': 1, 'GET /contacts/{id}': 1 } });
  });

  it('Backside tag: one POST /api/v1/contacts/{id}/tags {name}; untag: DELETE …/tags/{id}', async () => {
    const contact = await fresh('BACKSIDE');
    const tagName = `writes-${serial}`;
    const payload = await contactMutation('tagContact', { contactId: contact.id, tagName });
    expect(payload.userErrors).toEqual([]);
    expect(names(payload.contact.tags)).toEqual([tagName]);
    const calls = routes();
    expect(calls.intercom).toEqual({});
    expect(calls.backside['POST /api/v1/contacts/{id}/tags']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    expect(stack.upstreams.backside.calls.find((c) => c.method === 'POST')?.body).toEqual({ name: tagName });
    note('tagContact', 'BACKSIDE', 'tagged (tag created)');
    expect(calls.backside).toEqual({ 'POST /api/v1/contacts/{id}/tags': 1, 'GET /api/v1/contacts/{id}': 1 });
    expect(names((await read(contact.id))?.tags)).toEqual([tagName]);

    stack.reset();
    const untagged = await contactMutation('untagContact', { contactId: contact.id, tagName: tagName.toUpperCase() });
    expect(untagged.userErrors).toEqual([]);
    expect(untagged.contact.tags).toEqual([]);
    const untagCalls = routes();
    expect(untagCalls.backside['DELETE /api/v1/contacts/{id}/tags/{id}']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    note('untagContact', 'BACKSIDE', 'untagged');
    // Read (to find the tag's id by name), DELETE, read again.
    expect(untagCalls.backside).toEqual({
      'GET /api/v1/contacts/{id}': 2,
      'DELETE /api/v1/contacts/{id}/tags/{id}': 1,
    });
    expect((await read(contact.id))?.tags).toEqual([]);

    stack.reset();
    const again = await contactMutation('untagContact', { contactId: contact.id, tagName });
    expect(again.userErrors).toEqual([]);
    expect(again.contact.tags).toEqual([]);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(0);
    note('untagContact', 'BACKSIDE', 'not held: no error');
  });
});

// ================================================================================================ channels, addresses

describe('addChannel / addAddress', () => {
  it('Backside addChannel: one POST /api/v1/contacts/{id}/channels; the phone answered and read', async () => {
    const contact = await fresh('BACKSIDE');
    const payload = await contactMutation('addChannel', {
      contactId: contact.id,
      type: 'PHONE',
      value: '415.555.0177',
      label: 'work',
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact.channels).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'PHONE', canonicalValue: '+14155550177' })]),
    );
    const calls = routes();
    expect(calls.backside['POST /api/v1/contacts/{id}/channels']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    expect(stack.upstreams.backside.calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      type: 'phone',
      value: '+14155550177',
      label: 'work',
    });
    note('addChannel', 'BACKSIDE', 'added');
    expect(calls).toEqual({
      backside: { 'POST /api/v1/contacts/{id}/channels': 1, 'GET /api/v1/contacts/{id}': 1 },
      intercom: {},
    });
    expect((await read(contact.id))?.phone).toBe('+14155550177');
  });

  it('Intercom addChannel PHONE on a contact without one: reads it, one PUT /contacts/{id} {phone}', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await contactMutation('addChannel', {
      contactId: contact.id,
      type: 'PHONE',
      value: '415 555 0166',
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact.phone).toBe('+14155550166');
    const calls = routes();
    expect(stack.upstreams.intercom.calls.find((c) => c.method === 'PUT')?.body).toEqual({ phone: '+14155550166' });
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(1);
    note('addChannel', 'INTERCOM', 'added');
    // Read first: Intercom holds one phone, and a second, different one is refused rather than replaced.
    expect(calls).toEqual({ backside: {}, intercom: { 'GET /contacts/{id}': 1, 'PUT /contacts/{id}': 1 } });
    expect((await read(contact.id))?.phone).toBe('+14155550166');
  });

  it('Backside addAddress: one POST /api/v1/contacts/{id}/addresses; the address answered and read', async () => {
    const contact = await fresh('BACKSIDE');
    const payload = await contactMutation('addAddress', {
      contactId: contact.id,
      street: '1 Main St',
      city: 'Springfield',
      postalCode: '12345',
      countryCode: 'US',
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact.addresses).toEqual([{ city: 'Springfield', postalCode: '12345', countryCode: 'US' }]);
    const calls = routes();
    expect(calls.backside['POST /api/v1/contacts/{id}/addresses']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    expect(stack.upstreams.backside.calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      street: '1 Main St',
      city: 'Springfield',
      postal_code: '12345',
      country_code: 'US',
    });
    note('addAddress', 'BACKSIDE', 'added');
    expect(calls).toEqual({
      backside: { 'POST /api/v1/contacts/{id}/addresses': 1, 'GET /api/v1/contacts/{id}': 1 },
      intercom: {},
    });
    expect((await read(contact.id))?.addresses).toEqual([
      { city: 'Springfield', postalCode: '12345', countryCode: 'US' },
    ]);
  });

  it('Intercom addAddress: UNSUPPORTED_BY_SOURCE, zero calls', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await contactMutation('addAddress', { contactId: contact.id, city: 'Springfield' });
    expect(payload.contact).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'UNSUPPORTED_BY_SOURCE' })]);
    noCalls();
    note('addAddress', 'INTERCOM', 'UNSUPPORTED_BY_SOURCE');
  });
});

// ================================================================================================ addNote

describe('addNote', () => {
  const addNote = (input: Record<string, unknown>, on?: Stack) =>
    mutate('addNote', input, `note { id text authorName } contact { ${CONTACT} }`, on);

  it('Intercom with an admin: one POST /contacts/{id}/notes {body, admin_id}; the note answered and read', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await addNote({ contactId: contact.id, body: '<p>Called about the <b>renewal</b></p>' });
    expect(payload.userErrors).toEqual([]);
    expect(payload.note.text).toBe('Called about the renewal');
    expect(payload.contact.notes.map((n: { text: string }) => n.text)).toEqual([payload.note.text]);
    const calls = routes();
    expect(calls.intercom['POST /contacts/{id}/notes']).toBe(1);
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(1);
    expect(stack.upstreams.intercom.calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      body: '<p>Called about the <b>renewal</b></p>',
      admin_id: DEMO_INTERCOM_ADMIN_ID,
    });
    note('addNote', 'INTERCOM', 'added');
    expect(calls).toEqual({
      backside: {},
      intercom: { 'POST /contacts/{id}/notes': 1, 'GET /contacts/{id}': 1, 'GET /contacts/{id}/notes': 1 },
    });
    expect((await read(contact.id))?.notes.map((n: { text: string }) => n.text)).toEqual([payload.note.text]);
  });

  it('Intercom without INTERCOM_ADMIN_ID: REQUIRED, zero calls', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await addNote({ contactId: contact.id, body: 'hello' }, noAdmin);
    expect(payload.note).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'REQUIRED' })]);
    noCalls();
    note('addNote', 'INTERCOM', 'REQUIRED (no INTERCOM_ADMIN_ID)');
    expect(stack.upstreams.intercom.control.store().notes.some((n) => n.contact?.id === contact.sourceId)).toBe(false);
  });

  it('Backside: UNSUPPORTED_BY_SOURCE, zero calls', async () => {
    const contact = await fresh('BACKSIDE');
    const payload = await addNote({ contactId: contact.id, body: 'hello' });
    expect(payload.note).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'UNSUPPORTED_BY_SOURCE' })]);
    noCalls();
    note('addNote', 'BACKSIDE', 'UNSUPPORTED_BY_SOURCE');
  });
});

// ================================================================================================ companies

describe('attachCompany / detachCompany', () => {
  it('Intercom: POST /contacts/{id}/companies {id}, then DELETE /contacts/{id}/companies/{id}', async () => {
    const contact = await fresh('INTERCOM');
    const company = stack.upstreams.seed.intercom.companies[0];
    expect(company).toBeDefined();
    const gid = companyId('INTERCOM', company?.id as string);
    const payload = await contactMutation('attachCompany', { contactId: contact.id, companyId: gid });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact.companies).toEqual([{ id: gid, name: company?.name }]);
    const calls = routes();
    expect(calls.intercom['POST /contacts/{id}/companies']).toBe(1);
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(1);
    expect(stack.upstreams.intercom.calls.find((c) => c.method === 'POST')?.body).toEqual({ id: company?.id });
    note('attachCompany', 'INTERCOM', 'attached');
    expect(calls).toEqual({
      backside: {},
      intercom: { 'POST /contacts/{id}/companies': 1, 'GET /contacts/{id}': 1, 'GET /companies/{id}': 1 },
    });
    expect((await read(contact.id))?.companies).toEqual([{ id: gid, name: company?.name }]);

    stack.reset();
    const detached = await contactMutation('detachCompany', { contactId: contact.id, companyId: gid });
    expect(detached.userErrors).toEqual([]);
    expect(detached.contact.companies).toEqual([]);
    const detachCalls = routes();
    expect(detachCalls.intercom['DELETE /contacts/{id}/companies/{id}']).toBe(1);
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(1);
    note('detachCompany', 'INTERCOM', 'detached');
    expect(detachCalls).toEqual({
      backside: {},
      intercom: { 'DELETE /contacts/{id}/companies/{id}': 1, 'GET /contacts/{id}': 1 },
    });
    expect((await read(contact.id))?.companies).toEqual([]);
  });

  it('Backside: POST /api/v1/contacts/{id}/affiliations {organization_id, title}, detach DELETE …/affiliations/{id}', async () => {
    const org = await fresh('BACKSIDE', {
      kind: 'ORGANIZATION',
      name: `Org ${serial}`,
      givenName: null,
      familyName: null,
    });
    const contact = await fresh('BACKSIDE');
    const gid = companyId('BACKSIDE', org.sourceId);
    const payload = await contactMutation('attachCompany', { contactId: contact.id, companyId: gid, title: 'Chemist' });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact.affiliations).toEqual([{ title: 'Chemist', company: { id: gid, name: org.displayName } }]);
    const calls = routes();
    expect(calls.backside['POST /api/v1/contacts/{id}/affiliations']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    expect(stack.upstreams.backside.calls.find((c) => c.method === 'POST')?.body).toMatchObject({
      organization_id: org.sourceId,
      title: 'Chemist',
    });
    note('attachCompany', 'BACKSIDE', 'attached (affiliation)');
    // The contact read again, and the organization its affiliation names.
    expect(calls).toEqual({
      backside: { 'POST /api/v1/contacts/{id}/affiliations': 1, 'GET /api/v1/contacts/{id}': 2 },
      intercom: {},
    });
    expect((await read(contact.id))?.affiliations).toHaveLength(1);

    stack.reset();
    const detached = await contactMutation('detachCompany', { contactId: contact.id, companyId: gid });
    expect(detached.userErrors).toEqual([]);
    expect(detached.contact.affiliations).toEqual([]);
    const detachCalls = routes();
    expect(detachCalls.backside['DELETE /api/v1/contacts/{id}/affiliations/{id}']).toBe(1);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    note('detachCompany', 'BACKSIDE', 'detached (affiliation)');
    expect(detachCalls).toEqual({
      backside: {
        'GET /api/v1/contacts/{id}': 2,
        'GET /api/v1/contacts/{id}/affiliations': 1,
        'DELETE /api/v1/contacts/{id}/affiliations/{id}': 1,
      },
      intercom: {},
    });
    expect((await read(contact.id))?.affiliations).toEqual([]);
  });
});

// ================================================================================================ mergeContacts

describe('mergeContacts', () => {
  it('Intercom: one POST /contacts/merge {from: lead, into: user}; the lead id then answers the user', async () => {
    const email = unique('merge');
    const user = await fresh('INTERCOM', { role: 'USER', email, name: 'Merge User' });
    const lead = await fresh('INTERCOM', { role: 'LEAD', email, name: 'Merge Lead' });
    const tagged = await contactMutation('tagContact', { contactId: lead.id, tagName: `lead-tag-${serial}` });
    expect(tagged.userErrors).toEqual([]);
    stack.reset();
    const payload = await contactMutation('mergeContacts', { fromId: lead.id, intoId: user.id });
    expect(payload.userErrors).toEqual([]);
    expect(payload.contact).toMatchObject({ id: user.id, role: 'USER', displayName: 'Merge User' });
    expect(names(payload.contact.tags)).toContain(`lead-tag-${serial}`);
    const calls = routes();
    expect(calls.intercom['POST /contacts/merge']).toBe(1);
    expect(writes(stack.upstreams.intercom.calls)).toHaveLength(1);
    expect(stack.upstreams.intercom.calls.find((c) => c.path === '/contacts/merge')?.body).toMatchObject({
      from: lead.sourceId,
      into: user.sourceId,
    });
    note('mergeContacts', 'INTERCOM', 'merged');
    // Both contacts read in one search (lead? user?) before the merge; the merge answers the user, its tags named.
    expect(calls).toEqual({
      backside: {},
      intercom: { 'POST /contacts/search': 1, 'POST /contacts/merge': 1, 'GET /tags': 1 },
    });
    expect(stack.upstreams.intercom.control.count((c) => c.id === lead.sourceId)).toBe(0);
    expect(await read(lead.id)).toMatchObject({ id: user.id, role: 'USER' });
    const node = await stack.query(`query($id: ID!) { node(id: $id) { id ... on Contact { role } } }`, { id: lead.id });
    expect(node.errors).toBeUndefined();
    expect(node.data?.node).toEqual({ id: user.id, role: 'USER' });
  });

  it('Backside: UNSUPPORTED_BY_SOURCE, zero calls', async () => {
    const a = await fresh('BACKSIDE');
    const b = await fresh('BACKSIDE');
    const payload = await contactMutation('mergeContacts', { fromId: a.id, intoId: b.id });
    expect(payload.contact).toBeNull();
    expect(payload.userErrors.map((e) => [e.field?.join('.'), e.code])).toEqual([
      ['input.fromId', 'UNSUPPORTED_BY_SOURCE'],
      ['input.intoId', 'UNSUPPORTED_BY_SOURCE'],
    ]);
    noCalls();
    note('mergeContacts', 'BACKSIDE', 'UNSUPPORTED_BY_SOURCE');
    expect(await read(a.id)).toMatchObject({ id: a.id, deletedAt: null });
  });
});

// ================================================================================================ copyContact

describe('copyContact', () => {
  const copy = (input: Record<string, unknown>) => mutate('copyContact', input, `created contact { ${CONTACT} }`);

  it.each([
    ['INTERCOM', 'BACKSIDE'],
    ['BACKSIDE', 'INTERCOM'],
  ] as const)('%s → %s: created once, then created: false with no create call', async (from, to) => {
    const email = unique(`copy-${from.toLowerCase()}`);
    const contact = await fresh(from, { email, name: 'Copy Person', givenName: 'Copy', familyName: 'Person' });
    const tagged = await contactMutation('tagContact', { contactId: contact.id, tagName: `copied-${serial}` });
    expect(tagged.userErrors).toEqual([]);
    stack.reset();
    const first = await copy({ id: contact.id, to });
    expect(first.userErrors).toEqual([]);
    expect(first.created).toBe(true);
    expect(first.contact).toMatchObject({ source: to, email });
    expect(names(first.contact.tags)).toContain(`copied-${serial}`);
    const createRoute = to === 'BACKSIDE' ? 'POST /api/v1/contacts' : 'POST /contacts';
    const target = to === 'BACKSIDE' ? 'backside' : 'intercom';
    expect(routes()[target][createRoute]).toBe(1);
    note('copyContact', to, `created (from ${from})`);
    // The target searched by email first, the contact's tag copied, the record read.
    expect(routes()).toEqual(
      to === 'BACKSIDE'
        ? {
            backside: {
              'GET /api/v1/contacts/find-by-channel': 1,
              'POST /api/v1/contacts': 1,
              'POST /api/v1/contacts/{id}/tags': 1,
              'GET /api/v1/contacts/{id}': 1,
            },
            intercom: { 'GET /contacts/{id}': 1 },
          }
        : {
            backside: { 'GET /api/v1/contacts/{id}': 1 },
            intercom: {
              'POST /contacts/search': 1,
              'POST /contacts': 1,
              'POST /tags': 1,
              'POST /contacts/{id}/tags': 1,
              'GET /contacts/{id}': 1,
              'GET /tags': 1,
            },
          },
    );
    expect(await read(first.contact.id)).toMatchObject({ email });

    stack.reset();
    const second = await copy({ id: contact.id, to });
    expect(second.userErrors).toEqual([]);
    expect(second.created).toBe(false);
    expect(second.contact.id).toBe(first.contact.id);
    expect(routes()[target][createRoute]).toBeUndefined();
    expect(writes(stack.upstreams[target].calls)).toHaveLength(0);
    note('copyContact', to, `exists: created false (from ${from})`);
    expect(routes()).toEqual(
      to === 'BACKSIDE'
        ? {
            backside: { 'GET /api/v1/contacts/find-by-channel': 1, 'GET /api/v1/contacts/{id}': 1 },
            intercom: { 'GET /contacts/{id}': 1 },
          }
        : { backside: { 'GET /api/v1/contacts/{id}': 1 }, intercom: { 'POST /contacts/search': 1 } },
    );
  });

  it('a copy that was soft-deleted in Backside does not count: copying again creates a new record', async () => {
    const email = unique('copy-again');
    const contact = await fresh('INTERCOM', { email, name: 'Copy Again' });
    const first = await copy({ id: contact.id, to: 'BACKSIDE' });
    expect(first.created).toBe(true);
    const removed = await mutate('deleteContact', { id: first.contact.id }, 'deletedContactId');
    expect(removed.userErrors).toEqual([]);
    const again = await copy({ id: contact.id, to: 'BACKSIDE' });
    expect(again.userErrors).toEqual([]);
    expect(again.created).toBe(true);
    expect(again.contact.id).not.toBe(first.contact.id);
    expect(again.contact.deletedAt).toBeNull();
  });

  it('a seeded person already in the target by email: created false, no create', async () => {
    const shared = SHARED_PEOPLE[0];
    const raw = stack.upstreams.seed.intercom.contacts.find((c) => c.email === shared?.intercomEmail);
    expect(raw).toBeDefined();
    const before = stack.upstreams.backside.control.count();
    const payload = await copy({ id: contactId('INTERCOM', raw?.id as string), to: 'BACKSIDE' });
    expect(payload.userErrors).toEqual([]);
    expect(payload.created).toBe(false);
    expect(payload.contact).toMatchObject({ source: 'BACKSIDE', email: shared?.backsideEmail });
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(0);
    expect(stack.upstreams.backside.control.count()).toBe(before);
  });
});

// ================================================================================================ refusals

describe('when the source refuses', () => {
  it('Intercom 409 on create: TAKEN at input.email, the existing record’s global id in the message, nothing created', async () => {
    const existing = await fresh('INTERCOM', { role: 'USER' });
    const before = stack.upstreams.intercom.control.count();
    const payload = await contactMutation('createContact', { source: 'INTERCOM', role: 'USER', email: existing.email });
    expect(payload.contact).toBeNull();
    expect(payload.userErrors).toHaveLength(1);
    expect(payload.userErrors[0]).toMatchObject({ code: 'TAKEN', field: ['input', 'email'] });
    expect(payload.userErrors[0]?.message).toContain(existing.id);
    expect(routes()).toEqual({ backside: {}, intercom: { 'POST /contacts': 1 } });
    expect(stack.upstreams.intercom.calls[0]?.status).toBe(409);
    note('createContact', 'INTERCOM', 'TAKEN (409)');
    expect(stack.upstreams.intercom.control.count()).toBe(before);
  });

  it('Backside 409 on create: TAKEN at input.email, the existing record’s global id in the message, nothing created', async () => {
    const existing = await fresh('BACKSIDE');
    const before = stack.upstreams.backside.control.count();
    const payload = await contactMutation('createContact', { source: 'BACKSIDE', email: existing.email.toUpperCase() });
    expect(payload.contact).toBeNull();
    expect(payload.userErrors).toHaveLength(1);
    expect(payload.userErrors[0]).toMatchObject({ code: 'TAKEN', field: ['input', 'email'] });
    expect(payload.userErrors[0]?.message).toContain(existing.id);
    expect(routes()).toEqual({ backside: { 'POST /api/v1/contacts': 1 }, intercom: {} });
    expect(stack.upstreams.backside.calls[0]?.status).toBe(409);
    note('createContact', 'BACKSIDE', 'TAKEN (409)');
    expect(stack.upstreams.backside.control.count()).toBe(before);
  });

  it('Backside 409 on addChannel (an email another contact holds): TAKEN with that contact’s global id', async () => {
    const holder = await fresh('BACKSIDE');
    const contact = await fresh('BACKSIDE');
    const payload = await contactMutation('addChannel', { contactId: contact.id, type: 'EMAIL', value: holder.email });
    expect(payload.contact).toBeNull();
    expect(payload.userErrors).toHaveLength(1);
    expect(payload.userErrors[0]?.code).toBe('TAKEN');
    expect(payload.userErrors[0]?.message).toContain(holder.id);
    expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
    note('addChannel', 'BACKSIDE', 'TAKEN (409)');
    expect((await read(contact.id))?.channels.map((c: { value: string }) => c.value)).toEqual([contact.email]);
  });

  it('Backside 409 on addChannel names the input field at fault: ["input", "value"]', async () => {
    const holder = await fresh('BACKSIDE');
    const contact = await fresh('BACKSIDE');
    const payload = await contactMutation('addChannel', { contactId: contact.id, type: 'EMAIL', value: holder.email });
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'TAKEN', field: ['input', 'value'] })]);
  });

  it('Backside 422 on attachCompany (a person, not an organization): INVALID at input.companyId', async () => {
    const person = await fresh('BACKSIDE');
    const contact = await fresh('BACKSIDE');
    const payload = await contactMutation('attachCompany', {
      contactId: contact.id,
      companyId: companyId('BACKSIDE', person.sourceId),
    });
    expect(payload.contact).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'INVALID', field: ['input', 'companyId'] })]);
    expect(stack.upstreams.backside.calls.find((c) => c.method === 'POST')?.status).toBe(422);
    note('attachCompany', 'BACKSIDE', 'INVALID (422)');
    expect((await read(contact.id))?.affiliations).toEqual([]);
  });

  it('Intercom 400 on update (a nested custom attribute): INVALID at input.customAttributes', async () => {
    const contact = await fresh('INTERCOM');
    const payload = await contactMutation('updateContact', { id: contact.id, customAttributes: { plan: { tier: 2 } } });
    expect(payload.contact).toBeNull();
    expect(payload.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID', field: ['input', 'customAttributes'] }),
    ]);
    expect(stack.upstreams.intercom.calls.find((c) => c.method === 'PUT')?.status).toBe(400);
    note('updateContact', 'INTERCOM', 'INVALID (400)');
    expect((await read(contact.id))?.customAttributes).toEqual({});
  });

  // A refused tagContact changes nothing: the contact is read before `POST /tags` (which creates a missing tag).
  it('Intercom tagContact on an unknown contact creates no tag', async () => {
    const tagName = `ghost-${Date.now().toString(36)}`;
    const payload = await contactMutation('tagContact', {
      contactId: contactId('INTERCOM', 'ffffffffffffffffffffffff'),
      tagName,
    });
    expect(payload.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
    expect(stack.upstreams.intercom.control.store().tags.map((tag) => tag.name)).not.toContain(tagName);
  });

  it('copyContact into a Backside without the tag endpoint: created, the tag left out (copy.ts: by design)', async () => {
    const email = unique('copy-untaggable');
    const contact = await fresh('INTERCOM', { email, name: 'Copy Untaggable' });
    const tagged = await contactMutation('tagContact', { contactId: contact.id, tagName: `kept-${serial}` });
    expect(tagged.userErrors).toEqual([]);
    stack.upstreams.backside.control.assumedWrites = 'absent';
    const before = stack.upstreams.backside.control.count();
    stack.reset();
    const payload = await mutate('copyContact', { id: contact.id, to: 'BACKSIDE' }, `created contact { ${CONTACT} }`);
    expect(payload.userErrors).toEqual([]);
    expect(payload.created).toBe(true);
    expect(payload.contact).toMatchObject({ source: 'BACKSIDE', email, tags: [] });
    expect(stack.upstreams.backside.control.count()).toBe(before + 1);
    expect(routes().backside).toEqual({
      'GET /api/v1/contacts/find-by-channel': 1,
      'POST /api/v1/contacts': 1,
      'POST /api/v1/contacts/{id}/tags': 1,
    });
    note('copyContact', 'BACKSIDE', 'created, tags left out (A endpoint absent)');
  });

  describe('an unknown contact (a valid global id, no record): NOT_FOUND', () => {
    const missing = {
      BACKSIDE: contactId('BACKSIDE', '00000000-0000-4000-8000-000000000000'),
      INTERCOM: contactId('INTERCOM', 'ffffffffffffffffffffffff'),
    };
    it.each(['BACKSIDE', 'INTERCOM'] as const)('%s: updateContact, tagContact, deleteContact', async (source) => {
      const update = await contactMutation('updateContact', { id: missing[source], givenName: 'Nobody' });
      expect(update.contact).toBeNull();
      expect(update.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'id'] })]);
      note('updateContact', source, 'NOT_FOUND');
      stack.reset();
      const tag = await contactMutation('tagContact', { contactId: missing[source], tagName: 'ghost' });
      expect(tag.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'contactId'] })]);
      note('tagContact', source, 'NOT_FOUND');
      stack.reset();
      const del = await mutate('deleteContact', { id: missing[source] }, 'deletedContactId');
      expect(del).toEqual({
        deletedContactId: null,
        userErrors: [expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'id'] })],
      });
      note('deleteContact', source, 'NOT_FOUND');
    });
  });

  describe('Backside without the assumed (A) endpoints: UNSUPPORTED_BY_SOURCE, nothing changed', () => {
    it.each(['absent', 405, 501] as const)('assumedWrites = %s', async (mode) => {
      const backside = stack.upstreams.backside.control;
      const org = await fresh('BACKSIDE', {
        kind: 'ORGANIZATION',
        name: `Org ${serial}`,
        givenName: null,
        familyName: null,
      });
      const contact = await fresh('BACKSIDE');
      const tagged = await contactMutation('tagContact', { contactId: contact.id, tagName: 'held' });
      const attached = await contactMutation('attachCompany', {
        contactId: contact.id,
        companyId: companyId('BACKSIDE', org.sourceId),
      });
      expect([...tagged.userErrors, ...attached.userErrors]).toEqual([]);
      const stored = () => backside.contacts().find((c) => c.id === contact.sourceId);
      const snapshot = JSON.stringify(stored());
      backside.assumedWrites = mode;

      const attempts: [string, Record<string, unknown>, string][] = [
        ['updateContact', { id: contact.id, givenName: 'Changed' }, 'contact { id }'],
        ['deleteContact', { id: contact.id }, 'deletedContactId'],
        ['tagContact', { contactId: contact.id, tagName: 'new-tag' }, 'contact { id }'],
        ['untagContact', { contactId: contact.id, tagName: 'held' }, 'contact { id }'],
        ['attachCompany', { contactId: contact.id, companyId: companyId('BACKSIDE', org.sourceId) }, 'contact { id }'],
        ['detachCompany', { contactId: contact.id, companyId: companyId('BACKSIDE', org.sourceId) }, 'contact { id }'],
      ];
      for (const [mutation, input, selection] of attempts) {
        stack.reset();
        const payload = await mutate(mutation, input, selection);
        expect({ mutation, codes: payload.userErrors.map((e) => e.code) }).toEqual({
          mutation,
          codes: ['UNSUPPORTED_BY_SOURCE'],
        });
        expect(mutation === 'deleteContact' ? payload.deletedContactId : payload.contact).toBeNull();
        expect(writes(stack.upstreams.backside.calls)).toHaveLength(1);
        expect(stack.upstreams.intercom.calls).toEqual([]);
        note(mutation, 'BACKSIDE', `UNSUPPORTED_BY_SOURCE (A endpoint ${mode})`);
      }
      expect(JSON.stringify(stored())).toBe(snapshot);
      backside.assumedWrites = 'present';
      stack.reset();
      const after = await read(contact.id);
      expect(after).toMatchObject({ givenName: 'Rosalind', deletedAt: null, tags: [{ name: 'held' }] });
      expect(after?.affiliations).toHaveLength(1);
    });
  });
});

// ================================================================================================ validation

describe('validation: a userErrors entry at the input path, zero upstream calls on both fakes', () => {
  const backsidePerson = contactId('BACKSIDE', '11111111-1111-4111-8111-111111111111');
  const intercomPerson = contactId('INTERCOM', '5ba682d23d7cf92bef87bfd4');
  const cases: [string, string, Record<string, unknown>, string, string][] = [
    ['bad email', 'createContact', { source: 'INTERCOM', email: 'ada@@example' }, 'email', 'INVALID'],
    [
      'unparseable phone',
      'createContact',
      { source: 'BACKSIDE', email: 'a@b.example', phone: 'call me' },
      'phone',
      'INVALID',
    ],
    [
      'non-http URL',
      'createContact',
      { source: 'INTERCOM', email: 'a@b.example', avatarUrl: 'ftp://example.com/a.png' },
      'avatarUrl',
      'INVALID',
    ],
    [
      'non-http website channel',
      'addChannel',
      { contactId: backsidePerson, type: 'WEBSITE', value: 'javascript:alert(1)' },
      'value',
      'INVALID',
    ],
    [
      'Tag id as contactId',
      'tagContact',
      { contactId: encodeGlobalID('Tag', nodeKey('INTERCOM', '101')), tagName: 'x' },
      'contactId',
      'INVALID',
    ],
    [
      'Intercom company where a Backside company is expected',
      'attachCompany',
      { contactId: backsidePerson, companyId: companyId('INTERCOM', '5f0c') },
      'companyId',
      'INVALID',
    ],
    [
      'too-long name',
      'createContact',
      { source: 'INTERCOM', email: 'a@b.example', name: 'x'.repeat(256) },
      'name',
      'INVALID',
    ],
    ['empty tagName', 'tagContact', { contactId: intercomPerson, tagName: '   ' }, 'tagName', 'REQUIRED'],
    [
      'bad idempotency key',
      'createContact',
      { source: 'INTERCOM', email: 'a@b.example', idempotencyKey: 'clé' },
      'idempotencyKey',
      'INVALID',
    ],
    [
      'kind ORGANIZATION on Intercom',
      'createContact',
      { source: 'INTERCOM', kind: 'ORGANIZATION', name: 'Acme', email: 'acme@b.example' },
      'kind',
      'UNSUPPORTED_BY_SOURCE',
    ],
    [
      'role on Backside',
      'createContact',
      { source: 'BACKSIDE', role: 'LEAD', email: 'a@b.example' },
      'role',
      'UNSUPPORTED_BY_SOURCE',
    ],
    ['not a global id', 'updateContact', { id: 'not-an-id', givenName: 'x' }, 'id', 'INVALID'],
    [
      'merge a contact into itself',
      'mergeContacts',
      { fromId: intercomPerson, intoId: intercomPerson },
      'intoId',
      'INVALID',
    ],
    ['copy into its own source', 'copyContact', { id: intercomPerson, to: 'INTERCOM' }, 'to', 'INVALID'],
  ];
  it.each(cases)('%s', async (_name, mutation, input, field, code) => {
    const selection = mutation === 'copyContact' ? 'created contact { id }' : 'contact { id }';
    const payload = await mutate(mutation, input, selection);
    expect(payload.contact).toBeNull();
    expect(payload.userErrors).toEqual([expect.objectContaining({ field: ['input', field], code })]);
    expect(payload.userErrors[0]?.message).toEqual(expect.any(String));
    noCalls();
  });
});

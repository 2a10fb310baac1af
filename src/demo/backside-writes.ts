// Backside's write endpoints for the fake (backside.md, "Writes"): the documented creates, the assumed (A) update,
// delete, tag and affiliation endpoints, write scopes, conflicts and validation errors. State lives in the seed the
// fake was started with, so a restart (a new seed) forgets every write.
//
// Choices where backside.md leaves room (each pinned by test/fakes-writes.test.ts):
// - Creates answer 201 with the created record; tagging answers 200 with the tag (tagging twice answers it again).
// - 400 `invalid_request`: a body that is not a JSON object or a field of the wrong JSON type; 422
//   `validation_failed`: a bad value (kind, email, phone, channel type, coordinates, dates, organization_id).
// - 409 `conflict`: an email channel already held by a live (not soft-deleted) contact of the tenant, on create
//   (`channels` in the body) and on `POST …/channels`. Backside contacts have no external_id.
// - `Idempotency-Key` is ignored unless `settings.honourIdempotencyKey` is on (then a repeat replays the first create):
//   the docs say never to rely on it, and an ignoring fake catches a gateway that does.
// - DELETE is a soft delete (204, `deleted_at` set, GET still answers the record, deleting again is 204); the list keeps
//   soft-deleted contacts like the seeded one, so callers filter. Writes to a soft-deleted contact are accepted.
// - Untagging a tag the contact lacks is 204; an unknown tag id is 404; an unknown affiliation id is 404.
import { randomUUID } from 'node:crypto';
import type {
  BacksideAddress,
  BacksideAffiliation,
  BacksideChannel,
  BacksideContact,
  BacksideTag,
} from '../upstream/backside/types.js';
import { isObject } from '../upstream/shape.js';
import type { FakeAnswer, FakeRequest, Route } from './http.js';
import type { Seed } from './seed.js';

/** Backside's error body `{"error":{"code","message"}}`, plus any extra top-level fields. */
export const backsideError = (status: number, code: string, message: string, extra: object = {}): FakeAnswer => ({
  status,
  body: { error: { code, message }, ...extra },
});
const contactNotFound = () => backsideError(404, 'not_found', 'Contact not found');

/** Phones compare by their digits, keeping a leading +: `(415) 555-0134` is `4155550134`, not `+14155550134`. */
export const phoneKey = (value: string) => value.trim().replace(/(?!^\+)[^\d]/g, '');
export const emailKey = (value: string) => value.trim().toLowerCase();

/**
 * How this Backside offers the assumed (A) write endpoints: `'present'` serves them; `'absent'` answers 404 like an
 * unknown route; 405 and 501 answer those statuses. The documented creates are always served.
 */
export type AssumedWrites = 'present' | 'absent' | 405 | 501;

/** Runtime switches of the Backside fake's writes (see `BacksideControl`). */
export interface BacksideWriteSettings {
  assumedWrites: AssumedWrites;
  /** When true, a repeated `Idempotency-Key` on `POST /api/v1/contacts` replays the first create. Default false. */
  honourIdempotencyKey: boolean;
}

/** What the write handlers need from the server: the live store and the caller's identity. */
export interface BacksideStore {
  seed: Seed['backside'];
  byId: Map<string, BacksideContact>;
  /** Adds a contact to the store and the list order. */
  insert(contact: BacksideContact): void;
  /** The caller's tenant (the auth check in front of the routes guarantees one). */
  tenantOf(request: FakeRequest): string | undefined;
  /** True when the caller's key carries `contacts:write`. */
  canWrite(request: FakeRequest): boolean;
  /** The caller's own contact; another tenant's answers exactly like a missing one. */
  visible(request: FakeRequest, id: string): BacksideContact | undefined;
  settings: BacksideWriteSettings;
}

const KINDS = ['person', 'organization', 'group'];
const CHANNEL_TYPES = ['email', 'phone', 'twitter', 'linkedin', 'custom'];
const CONTACT_TEXT_FIELDS = [
  'display_name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'prefix',
  'suffix',
  'avatar_url',
  'bio',
  'language',
  'timezone',
  'vcard_uid',
] as const;
const ADDRESS_TEXT_FIELDS = [
  'label',
  'street',
  'extended',
  'po_box',
  'city',
  'region',
  'postal_code',
  'country',
  'country_code',
] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A rejected write body: 400 `invalid_request` for a wrong JSON type, 422 `validation_failed` for a bad value. */
class Invalid extends Error {
  constructor(
    readonly status: 400 | 422,
    message: string,
  ) {
    super(message);
  }
}
const wrongType = (field: string, type: string) => new Invalid(400, `${field} must be ${type}`);

/** RFC 3339 without milliseconds, like the seed. */
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The JSON object body of a write, or why not. */
function objectBody(request: FakeRequest): Record<string, unknown> {
  if (request.bodyInvalid) throw new Invalid(400, 'The request body is not valid JSON');
  if (!isObject(request.body)) throw new Invalid(400, 'The request body must be a JSON object');
  return request.body;
}

function text(body: Record<string, unknown>, field: string, prefix = ''): string | null | undefined {
  const value = body[field];
  if (value === undefined || value === null || typeof value === 'string') return value;
  throw wrongType(`${prefix}${field}`, 'a string or null');
}

function flag(body: Record<string, unknown>, field: string, prefix = ''): boolean | null | undefined {
  const value = body[field];
  if (value === undefined || value === null || typeof value === 'boolean') return value;
  throw wrongType(`${prefix}${field}`, 'a boolean or null');
}

function number(body: Record<string, unknown>, field: string, prefix = ''): number | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw wrongType(`${prefix}${field}`, 'a number or null');
}

/** The scalar fields of a create or a PATCH: only those present in the body (null included). */
function contactFields(body: Record<string, unknown>): Partial<BacksideContact> {
  const fields: Partial<BacksideContact> = {};
  for (const field of CONTACT_TEXT_FIELDS) {
    const value = text(body, field);
    if (value !== undefined) fields[field] = value;
  }
  if (body.kind !== undefined) {
    if (typeof body.kind !== 'string' || !KINDS.includes(body.kind))
      throw new Invalid(422, `kind must be one of ${KINDS.join(', ')}`);
    fields.kind = body.kind;
  }
  if (body.metadata !== undefined) {
    if (body.metadata !== null && !isObject(body.metadata)) throw wrongType('metadata', 'an object or null');
    fields.metadata = body.metadata;
  }
  return fields;
}

/** A channel to create, validated and normalised (emails stored lowercased, canonical forms filled in). */
function channelInput(body: Record<string, unknown>, prefix = ''): Omit<BacksideChannel, 'id'> {
  if (body.type === undefined || body.type === null) throw new Invalid(422, `${prefix}type is required`);
  if (typeof body.type !== 'string' || !CHANNEL_TYPES.includes(body.type))
    throw new Invalid(422, `${prefix}type must be one of ${CHANNEL_TYPES.join(', ')}`);
  if (typeof body.value !== 'string' || body.value.trim() === '') throw new Invalid(422, `${prefix}value is required`);
  const type = body.type;
  let value = body.value.trim();
  let canonical: string | null = null;
  if (type === 'email') {
    if (!EMAIL.test(value)) throw new Invalid(422, `${prefix}value is not a valid email address`);
    value = emailKey(value);
    canonical = value;
  } else if (type === 'phone') {
    canonical = phoneKey(value);
    if (!/^\+?\d{3,15}$/.test(canonical)) throw new Invalid(422, `${prefix}value is not a valid phone number`);
  }
  const preference = number(body, 'preference_order', prefix);
  return {
    type,
    value,
    canonical_value: canonical,
    label: text(body, 'label', prefix) ?? null,
    is_primary: flag(body, 'is_primary', prefix) ?? false,
    is_verified: false,
    preference_order: preference ?? null,
  };
}

function addressInput(body: Record<string, unknown>, prefix = ''): Omit<BacksideAddress, 'id'> {
  const address: Omit<BacksideAddress, 'id'> = {};
  for (const field of ADDRESS_TEXT_FIELDS) address[field] = text(body, field, prefix) ?? null;
  const latitude = number(body, 'latitude', prefix) ?? null;
  const longitude = number(body, 'longitude', prefix) ?? null;
  if (latitude !== null && Math.abs(latitude) > 90)
    throw new Invalid(422, `${prefix}latitude must be between -90 and 90`);
  if (longitude !== null && Math.abs(longitude) > 180)
    throw new Invalid(422, `${prefix}longitude must be between -180 and 180`);
  address.latitude = latitude;
  address.longitude = longitude;
  address.is_primary = flag(body, 'is_primary', prefix) ?? false;
  return address;
}

/** A list field of a create body (`channels`, `addresses`): absent is empty. */
function list(body: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const value = body[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType(field, 'an array');
  return value.map((item, index) => {
    if (!isObject(item)) throw wrongType(`${field}[${index}]`, 'an object');
    return item;
  });
}

/** The contact of the tenant (soft-deleted ones excluded) already holding this email, if any. */
function emailOwner(store: BacksideStore, tenant: string, email: string): BacksideContact | undefined {
  for (const contact of store.seed.contacts) {
    if (contact.tenant_id !== tenant || contact.deleted_at) continue;
    const has = (contact.channels ?? []).some(
      (channel) => channel.type === 'email' && emailKey(channel.canonical_value ?? channel.value) === email,
    );
    if (has) return contact;
  }
  return undefined;
}

const conflict = (owner: BacksideContact) =>
  backsideError(409, 'conflict', `A contact with this email already exists: ${owner.id}`);

/** Adds a channel record to a contact; a new primary demotes the others of its type. */
function addChannel(contact: BacksideContact, input: Omit<BacksideChannel, 'id'>, at: string): BacksideChannel {
  const channels = contact.channels ?? [];
  contact.channels = channels;
  if (input.is_primary)
    for (const other of channels) if (other.type === input.type && other.is_primary) other.is_primary = false;
  const channel: BacksideChannel = {
    id: randomUUID(),
    tenant_id: contact.tenant_id as string,
    contact_id: contact.id,
    created_at: at,
    updated_at: at,
    metadata: {},
    ...input,
    preference_order: input.preference_order ?? channels.length + 1,
  };
  channels.push(channel);
  return channel;
}

function addAddress(contact: BacksideContact, input: Omit<BacksideAddress, 'id'>, at: string): BacksideAddress {
  const addresses = contact.addresses ?? [];
  contact.addresses = addresses;
  if (input.is_primary) for (const other of addresses) if (other.is_primary) other.is_primary = false;
  const address: BacksideAddress = {
    id: randomUUID(),
    tenant_id: contact.tenant_id as string,
    contact_id: contact.id,
    created_at: at,
    updated_at: at,
    metadata: {},
    ...input,
  };
  addresses.push(address);
  return address;
}

/** Turns a thrown `Invalid` into Backside's validation answer. */
function guarded(run: () => FakeAnswer): FakeAnswer {
  try {
    return run();
  } catch (failure) {
    if (failure instanceof Invalid)
      return backsideError(
        failure.status,
        failure.status === 400 ? 'invalid_request' : 'validation_failed',
        failure.message,
      );
    throw failure;
  }
}

/** Every tag of a tenant, as applied to its contacts (Backside has no tag list endpoint; tags live on contacts). */
function tenantTags(store: BacksideStore, tenant: string, extra: BacksideTag[]): BacksideTag[] {
  const tags = new Map<string, BacksideTag>();
  for (const contact of store.seed.contacts)
    if (contact.tenant_id === tenant) for (const tag of contact.tags ?? []) tags.set(tag.id, tag);
  for (const tag of extra) if (tag.tenant_id === tenant) tags.set(tag.id, tag);
  return [...tags.values()];
}

/**
 * The write routes: `documented` are always served; `assumed` answer per `settings.assumedWrites`. Every write
 * needs the `contacts:write` scope (403 otherwise); another tenant's contact answers 404 as reads do.
 */
export function backsideWriteRoutes(store: BacksideStore): { documented: Route[]; assumed: Route[] } {
  // Tags created by tagging stay in the tenant even after being removed from their last contact.
  const createdTags: BacksideTag[] = [];
  const idempotent = new Map<string, string>();

  /** The scope check and the contact lookup every write on `/contacts/{id}/…` starts with. */
  const onContact =
    (handle: (request: FakeRequest, contact: BacksideContact, params: string[]) => FakeAnswer) =>
    (request: FakeRequest, params: string[]): FakeAnswer => {
      if (!store.canWrite(request)) return forbidden();
      const contact = store.visible(request, params[0] ?? '');
      if (!contact) return contactNotFound();
      return guarded(() => handle(request, contact, params));
    };

  function create(request: FakeRequest): FakeAnswer {
    if (!store.canWrite(request)) return forbidden();
    const tenant = store.tenantOf(request) as string;
    const key = request.headers['idempotency-key'];
    const replayKey = typeof key === 'string' && key !== '' ? `${tenant} ${key}` : undefined;
    if (store.settings.honourIdempotencyKey && replayKey !== undefined) {
      const earlier = store.byId.get(idempotent.get(replayKey) ?? '');
      if (earlier) return { status: 201, body: earlier };
    }
    return guarded(() => {
      const body = objectBody(request);
      const fields = contactFields(body);
      const channels = list(body, 'channels').map((item, index) => channelInput(item, `channels[${index}].`));
      const addresses = list(body, 'addresses').map((item, index) => addressInput(item, `addresses[${index}].`));
      for (const channel of channels) {
        const owner = channel.type === 'email' ? emailOwner(store, tenant, channel.value) : undefined;
        if (owner) return conflict(owner);
      }
      const at = now();
      const contact: BacksideContact = {
        id: randomUUID(),
        tenant_id: tenant,
        kind: 'person',
        display_name: null,
        given_name: null,
        family_name: null,
        middle_name: null,
        nickname: null,
        prefix: null,
        suffix: null,
        avatar_url: null,
        bio: null,
        language: null,
        timezone: null,
        vcard_uid: null,
        created_at: at,
        updated_at: at,
        deleted_at: null,
        metadata: {},
        ...fields,
        addresses: [],
        affiliations: [],
        channels: [],
        dates: [],
        tags: [],
      };
      for (const channel of channels) addChannel(contact, channel, at);
      for (const address of addresses) addAddress(contact, address, at);
      store.insert(contact);
      if (replayKey !== undefined) idempotent.set(replayKey, contact.id);
      return { status: 201, body: contact };
    });
  }

  const documented: Route[] = [
    ['POST', /^\/api\/v1\/contacts$/, (request) => create(request)],
    [
      'POST',
      /^\/api\/v1\/contacts\/([^/]+)\/channels$/,
      onContact((request, contact) => {
        const input = channelInput(objectBody(request));
        const owner = input.type === 'email' ? emailOwner(store, contact.tenant_id as string, input.value) : undefined;
        // Adding an email the contact already has is a conflict too: channels are unique per tenant.
        if (owner) return conflict(owner);
        const at = now();
        const channel = addChannel(contact, input, at);
        contact.updated_at = at;
        return { status: 201, body: channel };
      }),
    ],
    [
      'POST',
      /^\/api\/v1\/contacts\/([^/]+)\/addresses$/,
      onContact((request, contact) => {
        const input = addressInput(objectBody(request));
        const at = now();
        const address = addAddress(contact, input, at);
        contact.updated_at = at;
        return { status: 201, body: address };
      }),
    ],
  ];

  const assumed: Route[] = [
    [
      'PATCH',
      /^\/api\/v1\/contacts\/([^/]+)$/,
      onContact((request, contact) => {
        // Fields left out are kept; null clears.
        Object.assign(contact, contactFields(objectBody(request)));
        contact.updated_at = now();
        return { status: 200, body: contact };
      }),
    ],
    [
      'DELETE',
      /^\/api\/v1\/contacts\/([^/]+)$/,
      onContact((_request, contact) => {
        // Soft delete; deleting again is a no-op that keeps the first deleted_at.
        if (!contact.deleted_at) {
          const at = now();
          contact.deleted_at = at;
          contact.updated_at = at;
        }
        return { status: 204, body: undefined };
      }),
    ],
    [
      'POST',
      /^\/api\/v1\/contacts\/([^/]+)\/tags$/,
      onContact((request, contact) => {
        const body = objectBody(request);
        if (body.name === undefined || body.name === null) throw new Invalid(422, 'name is required');
        if (typeof body.name !== 'string') throw wrongType('name', 'a string');
        const name = body.name.trim();
        if (name === '') throw new Invalid(422, 'name must not be empty');
        const tenant = contact.tenant_id as string;
        let tag = tenantTags(store, tenant, createdTags).find((t) => t.name.toLowerCase() === name.toLowerCase());
        const at = now();
        if (!tag) {
          tag = {
            id: randomUUID(),
            tenant_id: tenant,
            created_at: at,
            updated_at: at,
            metadata: {},
            name,
            color: null,
            description: null,
          };
          createdTags.push(tag);
        }
        const tags = contact.tags ?? [];
        contact.tags = tags;
        // Tagging twice is fine: the tag is answered again and listed once.
        if (!tags.some((t) => t.id === tag.id)) {
          tags.push(tag);
          contact.updated_at = at;
        }
        return { status: 200, body: tag };
      }),
    ],
    [
      'DELETE',
      /^\/api\/v1\/contacts\/([^/]+)\/tags\/([^/]+)$/,
      onContact((_request, contact, [, tagId = '']) => {
        const known = tenantTags(store, contact.tenant_id as string, createdTags).some((t) => t.id === tagId);
        if (!known) return backsideError(404, 'not_found', 'Tag not found');
        // Removing a tag the contact does not carry is a no-op (204), so a retried untag succeeds.
        const before = contact.tags?.length ?? 0;
        contact.tags = (contact.tags ?? []).filter((t) => t.id !== tagId);
        if (contact.tags.length !== before) contact.updated_at = now();
        return { status: 204, body: undefined };
      }),
    ],
    [
      'POST',
      /^\/api\/v1\/contacts\/([^/]+)\/affiliations$/,
      onContact((request, contact) => {
        const body = objectBody(request);
        if (body.organization_id === undefined || body.organization_id === null)
          throw new Invalid(422, 'organization_id is required');
        if (typeof body.organization_id !== 'string') throw wrongType('organization_id', 'a string');
        const organization = store.visible(request, body.organization_id);
        if (organization?.kind !== 'organization')
          throw new Invalid(422, 'organization_id must be the id of an organization contact in this tenant');
        for (const field of ['start_date', 'end_date']) {
          const value = text(body, field);
          if (value && !DATE.test(value)) throw new Invalid(422, `${field} must be a date (YYYY-MM-DD)`);
        }
        const at = now();
        const affiliation: BacksideAffiliation = {
          id: randomUUID(),
          tenant_id: contact.tenant_id as string,
          contact_id: contact.id,
          created_at: at,
          updated_at: at,
          metadata: {},
          organization_id: organization.id,
          title: text(body, 'title') ?? null,
          role: text(body, 'role') ?? null,
          department: text(body, 'department') ?? null,
          description: text(body, 'description') ?? null,
          is_current: flag(body, 'is_current') ?? true,
          start_date: text(body, 'start_date') ?? null,
          end_date: text(body, 'end_date') ?? null,
        };
        contact.affiliations = [...(contact.affiliations ?? []), affiliation];
        contact.updated_at = at;
        return { status: 201, body: affiliation };
      }),
    ],
    [
      'DELETE',
      /^\/api\/v1\/contacts\/([^/]+)\/affiliations\/([^/]+)$/,
      onContact((_request, contact, [, affiliationId = '']) => {
        const affiliations = contact.affiliations ?? [];
        if (!affiliations.some((a) => a.id === affiliationId))
          return backsideError(404, 'not_found', 'Affiliation not found');
        contact.affiliations = affiliations.filter((a) => a.id !== affiliationId);
        contact.updated_at = now();
        return { status: 204, body: undefined };
      }),
    ],
  ];
  return { documented, assumed };
}

/** A key without the write scope. */
export const forbidden = () => backsideError(403, 'forbidden', 'missing scope contacts:write');

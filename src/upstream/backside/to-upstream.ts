// Pure mappers from the unified write inputs (src/upstream/writer.ts) to Backside's request bodies (backside.md,
// "Writes"; types.ts). No I/O.
//
// Decisions:
// - Email and phone are Backside channels, not contact fields. A create sends them inline as `channels` (primary), so
//   that the contact and its email are one write: a lost answer can then be looked up by email, and no create leaves
//   a half-made contact. Backside documents scalar fields only on create (A): the writer checks the answer and adds
//   any channel the create ignored with `POST …/channels` (D).
// - An update's email or phone is a new primary channel (`POST …/channels`): Backside's channels are a list, and the
//   one it held stays (removing it is no operation of ours). `null` for either cannot be honoured: UNSUPPORTED.
// - `role` is Intercom's: UNSUPPORTED_BY_SOURCE with field `role` (the gateway refuses it first; this is the backstop).
// - `externalId` is Backside's `vcard_uid` (mappers.ts reads it back as externalId); `customAttributes` its `metadata`.
import type { AddressDraft, ChannelDraft, ContactChanges, ContactDraft } from '../writer.js';
import type {
  BacksideAddressBody,
  BacksideAffiliationBody,
  BacksideChannelBody,
  BacksideContactBody,
  BacksideContactPatch,
} from './types.js';

/** Our scalar fields → Backside's (the ones both a create and a PATCH carry). */
const SCALARS = {
  name: 'display_name',
  givenName: 'given_name',
  familyName: 'family_name',
  middleName: 'middle_name',
  nickname: 'nickname',
  prefix: 'prefix',
  suffix: 'suffix',
  avatarUrl: 'avatar_url',
  language: 'language',
  timezone: 'timezone',
  externalId: 'vcard_uid',
  customAttributes: 'metadata',
} as const satisfies Partial<Record<keyof ContactDraft, keyof BacksideContactPatch>>;

/** Primary email and phone channels of a draft, in that order (email first: the lookup after a lost answer uses it). */
export function draftChannels(draft: Pick<ContactDraft, 'email' | 'phone'>): BacksideChannelBody[] {
  const channels: BacksideChannelBody[] = [];
  if (draft.email) channels.push({ type: 'email', value: draft.email, is_primary: true });
  if (draft.phone) channels.push({ type: 'phone', value: draft.phone, is_primary: true });
  return channels;
}

/** `POST /api/v1/contacts` body: kind lowercased (Backside's default, person, when absent), scalars, inline channels. */
export function toBacksideContact(draft: ContactDraft): BacksideContactBody {
  const body: BacksideContactBody = {};
  if (draft.kind) body.kind = draft.kind.toLowerCase();
  for (const [ours, theirs] of Object.entries(SCALARS) as [keyof typeof SCALARS, string][]) {
    const value = draft[ours];
    if (value !== undefined) (body as Record<string, unknown>)[theirs] = value;
  }
  const channels = draftChannels(draft);
  if (channels.length > 0) body.channels = channels;
  return body;
}

/**
 * `PATCH /api/v1/contacts/{id}` body: scalars only (a key absent is kept, null clears). Email and phone are channels
 * (see {@link draftChannels}); role is refused before this. Null when nothing scalar changes (no PATCH needed).
 */
export function toBacksidePatch(changes: ContactChanges): BacksideContactPatch | null {
  const patch: Record<string, unknown> = {};
  for (const [ours, theirs] of Object.entries(SCALARS) as [keyof typeof SCALARS, string][]) {
    if (ours in changes && changes[ours] !== undefined) patch[theirs] = changes[ours];
  }
  return Object.keys(patch).length > 0 ? (patch as BacksideContactPatch) : null;
}

/**
 * A channel's Backside type: EMAIL → email, PHONE → phone, SOCIAL → twitter or linkedin by the URL's host (else
 * custom), WEBSITE and OTHER → custom (read back as WEBSITE when the value is a web address; see mappers.ts).
 */
export function backsideChannelType(channel: Pick<ChannelDraft, 'type' | 'value'>): string {
  switch (channel.type) {
    case 'EMAIL':
      return 'email';
    case 'PHONE':
      return 'phone';
    case 'SOCIAL': {
      const host = hostOf(channel.value);
      if (host === 'twitter.com' || host === 'x.com') return 'twitter';
      if (host === 'linkedin.com') return 'linkedin';
      return 'custom';
    }
    default:
      return 'custom';
  }
}

/** `POST /api/v1/contacts/{id}/channels` body. */
export function toBacksideChannel(channel: ChannelDraft): BacksideChannelBody {
  return {
    type: backsideChannelType(channel),
    value: channel.value,
    ...(channel.label ? { label: channel.label } : {}),
    is_primary: channel.isPrimary,
  };
}

/** `POST /api/v1/contacts/{id}/addresses` body: the fields set, snake_cased. */
export function toBacksideAddress(address: AddressDraft): BacksideAddressBody {
  const body: BacksideAddressBody = { is_primary: address.isPrimary };
  const fields = {
    label: 'label',
    street: 'street',
    extended: 'extended',
    poBox: 'po_box',
    city: 'city',
    region: 'region',
    postalCode: 'postal_code',
    country: 'country',
    countryCode: 'country_code',
  } as const;
  for (const [ours, theirs] of Object.entries(fields) as [
    keyof typeof fields,
    (typeof fields)[keyof typeof fields],
  ][]) {
    const value = address[ours];
    if (typeof value === 'string' && value !== '') body[theirs] = value;
  }
  return body;
}

/** `POST /api/v1/contacts/{id}/affiliations` body: a current affiliation with the organization contact. */
export function toBacksideAffiliation(organizationId: string, title?: string | undefined): BacksideAffiliationBody {
  return { organization_id: organizationId, ...(title ? { title } : {}), is_current: true };
}

function hostOf(value: string): string | null {
  try {
    return new URL(value).hostname.replace(/^www\./, '').toLowerCase();
  } catch {
    return null;
  }
}

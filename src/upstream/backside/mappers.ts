// Pure mappers from Backside's raw shapes into the unified model.
import type {
  Address,
  AffiliationRef,
  Channel,
  ChannelType,
  Company,
  Contact,
  ContactDate,
  ContactDateType,
  ContactKind,
  Tag,
} from '../../model.js';
import {
  addressCountry,
  canonicalEmail,
  canonicalPhone,
  dateFromParts,
  httpUrl,
  integer,
  joinNonEmpty,
  jsonObject,
  keepExtension,
  latitude,
  lifetime,
  localDate,
  longitude,
  text,
  timestamp,
} from '../../values.js';
import { badShape } from '../shape.js';
import type {
  BacksideAddress,
  BacksideAffiliation,
  BacksideChannel,
  BacksideContact,
  BacksideDate,
  BacksideRecordBase,
  BacksideTag,
} from './types.js';

export interface MapOptions {
  /** Region for phone numbers written without a country code (DEFAULT_PHONE_REGION). */
  defaultRegion: string | undefined;
}

const KINDS: Record<string, ContactKind> = { person: 'PERSON', organization: 'ORGANIZATION', group: 'GROUP' };

/**
 * The country of a contact's addresses, primary first (an alpha-2 code from `country_code`, else from the `country`
 * name); null when none says. Phones written in national form are read there before DEFAULT_PHONE_REGION: an address
 * is where the person is, so it wins when a number is valid in both (see {@link phoneRegions}).
 */
export function addressRegion(raw: Pick<BacksideContact, 'addresses'> | null | undefined): string | null {
  const addresses = Array.isArray(raw?.addresses) ? raw.addresses : [];
  const ranked = [...addresses].sort((a, b) => Number(b?.is_primary === true) - Number(a?.is_primary === true));
  for (const address of ranked) {
    const code = address ? addressCountry(address.country_code, address.country) : null;
    if (code) return code;
  }
  return null;
}

/** The regions a contact's national-form phones are read in, in order: its address's country, then the default. */
function phoneRegions(raw: Pick<BacksideContact, 'addresses'> | null | undefined, options: MapOptions) {
  return [addressRegion(raw), options.defaultRegion];
}

/**
 * A channel's phone as one canonical string (E.164, `;ext=` for an extension; see canonicalPhone): Backside's
 * `canonical_value` when it parses, else the typed `value`. When the canonical value dropped an extension the typed
 * value has (`+12025550123` for `+1 202 555 0123 ext. 42`), the extension is kept.
 */
function channelPhone(raw: BacksideChannel, regions: (string | null | undefined)[]): string | null {
  const canonical = canonicalPhone(raw.canonical_value, ...regions);
  return canonical ? keepExtension(canonical, raw.value) : canonicalPhone(raw.value, ...regions);
}

/** True when the record carries its related arrays (GET by id); list and find answers do not. */
export function isFull(raw: BacksideContact): boolean {
  return Array.isArray(raw.channels);
}

/** Channels in the order a person would pick them: primary first, then by preference order. */
function ranked(channels: BacksideChannel[], type: string): BacksideChannel[] {
  return channels
    .filter((channel) => channel.type?.toLowerCase() === type && text(channel.value) !== null)
    .sort(
      (a, b) =>
        Number(b.is_primary === true) - Number(a.is_primary === true) ||
        (a.preference_order ?? Number.MAX_SAFE_INTEGER) - (b.preference_order ?? Number.MAX_SAFE_INTEGER),
    );
}

/**
 * A Backside contact (full, or a list/find summary without related arrays: then `partial`). Timestamps: RFC 3339,
 * offset-less read as UTC (see `lifetime` for unreadable ones); phone: the primary phone channel, canonical (E.164 with
 * `;ext=`) where it parses, read in the address's country then DEFAULT_PHONE_REGION, else as written; metadata cut at
 * MAX_JSON_DEPTH.
 */
export function mapContact(raw: BacksideContact, options: MapOptions): Contact {
  const channels = raw.channels ?? [];
  const email = ranked(channels, 'email')[0];
  const phone = ranked(channels, 'phone')[0];
  const givenName = text(raw.given_name);
  const familyName = text(raw.family_name);
  const name = text(raw.display_name) ?? (joinNonEmpty([givenName, familyName], ' ') || null);
  const emailValue = email ? canonicalEmail(email.canonical_value ?? email.value) : null;
  const phoneValue = phone ? (channelPhone(phone, phoneRegions(raw, options)) ?? text(phone.value)) : null;
  // A required timestamp that does not read takes the other's value; neither reading is UPSTREAM_BAD_RESPONSE.
  const ends = lifetime(timestamp(raw.created_at), timestamp(raw.updated_at));
  if (!ends) throw badShape('BACKSIDE', 'contact: neither created_at nor updated_at is a timestamp');
  const { createdAt, updatedAt } = ends;
  return {
    source: 'BACKSIDE',
    sourceId: raw.id,
    kind: KINDS[raw.kind?.toLowerCase()] ?? 'PERSON',
    role: null,
    displayName: name ?? emailValue ?? phoneValue ?? raw.id,
    givenName,
    familyName,
    middleName: text(raw.middle_name),
    nickname: text(raw.nickname),
    prefix: text(raw.prefix),
    suffix: text(raw.suffix),
    email: emailValue,
    phone: phoneValue,
    avatarUrl: httpUrl(raw.avatar_url),
    bio: text(raw.bio),
    language: text(raw.language),
    timezone: text(raw.timezone),
    externalId: text(raw.vcard_uid),
    createdAt,
    updatedAt,
    deletedAt: timestamp(raw.deleted_at),
    lastSeenAt: null,
    customAttributes: jsonObject(raw.metadata),
    partial: !isFull(raw),
    named: name !== null,
  };
}

/**
 * An address. `countryCode`: the alpha-2 code of `country_code` (UK read as GB; a code that names no country, like EU,
 * is null), or when Backside gives none, the code the `country` name stands for. Coordinates outside their ranges are
 * null. An address without a usable id gets `<contact_id>:address:<index>`.
 */
export function mapAddress(raw: BacksideAddress, index = 0): Address {
  const parts = {
    street: text(raw.street),
    extended: text(raw.extended),
    poBox: text(raw.po_box),
    city: text(raw.city),
    region: text(raw.region),
    postalCode: text(raw.postal_code),
    country: text(raw.country),
  };
  return {
    id: recordId(raw, 'address', index),
    label: text(raw.label),
    ...parts,
    countryCode: addressCountry(raw.country_code, raw.country),
    latitude: latitude(raw.latitude),
    longitude: longitude(raw.longitude),
    isPrimary: raw.is_primary === true,
    formatted: joinNonEmpty([
      parts.street,
      parts.extended,
      parts.poBox,
      parts.city,
      parts.region,
      parts.postalCode,
      parts.country,
    ]),
  };
}

function channelType(raw: BacksideChannel): ChannelType {
  switch (raw.type?.toLowerCase()) {
    case 'email':
      return 'EMAIL';
    case 'phone':
      return 'PHONE';
    case 'twitter':
    case 'linkedin':
      return 'SOCIAL';
    default:
      // `custom` holds anything; a web address is a website, the rest stays OTHER.
      return httpUrl(raw.value) ? 'WEBSITE' : 'OTHER';
  }
}

/** A sub-record's id as the ID scalar takes it: a string, or an integer written out; else one made from its place. */
function recordId(raw: BacksideRecordBase, kind: string, index: number): string {
  const id: unknown = raw.id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return `${text(raw.contact_id) ?? ''}:${kind}:${index}`;
}

/**
 * One channel. `canonicalValue`: an email trimmed and lowercased; a phone canonical (E.164, with `;ext=` for an
 * extension) read in `owner`'s address country then DEFAULT_PHONE_REGION, null when it does not parse.
 */
export function mapChannel(
  raw: BacksideChannel,
  options: MapOptions,
  owner?: Pick<BacksideContact, 'addresses'> | null,
  index = 0,
): Channel {
  const type = channelType(raw);
  let canonicalValue = text(raw.canonical_value);
  if (type === 'EMAIL') canonicalValue = canonicalEmail(canonicalValue ?? raw.value);
  if (type === 'PHONE') canonicalValue = channelPhone(raw, phoneRegions(owner, options));
  return {
    id: recordId(raw, 'channel', index),
    type,
    sourceType: text(raw.type) ?? 'custom',
    label: text(raw.label),
    value: raw.value,
    canonicalValue,
    isPrimary: raw.is_primary === true,
    isVerified: typeof raw.is_verified === 'boolean' ? raw.is_verified : null,
    preferenceOrder: integer(raw.preference_order),
  };
}

/**
 * A contact's channels with a value. Pass the contact as `owner`: its addresses' country is where national-form phones
 * are read first.
 */
export function mapChannels(
  raw: BacksideChannel[],
  options: MapOptions,
  owner?: Pick<BacksideContact, 'addresses'> | null,
): Channel[] {
  return raw
    .filter((channel) => text(channel.value) !== null)
    .map((channel, index) => mapChannel(channel, options, owner, index));
}

/** A tag; a tag without a name is named by its id. */
export function mapTag(raw: BacksideTag): Tag {
  return {
    source: 'BACKSIDE',
    sourceId: raw.id,
    name: text(raw.name) ?? raw.id,
    color: text(raw.color),
    description: text(raw.description),
  };
}

const DATE_TYPES: Record<string, ContactDateType> = { birthday: 'BIRTHDAY', anniversary: 'ANNIVERSARY' };

/**
 * A date of a contact (backside.md: `date_day`, `date_month`, `date_year`, the year may be null). Parts outside their
 * ranges, or past what GraphQL's Int carries, are null; `date` is set only when the three make a real day in the years
 * 0000-9999 (LocalDate writes four digits).
 */
export function mapDate(raw: BacksideDate): ContactDate {
  const sourceType = text(raw.date_type) ?? 'other';
  const day = integer(raw.date_day);
  const month = integer(raw.date_month);
  const year = integer(raw.date_year);
  return {
    type: DATE_TYPES[sourceType.toLowerCase()] ?? 'OTHER',
    sourceType,
    label: text(raw.date_label),
    day: day !== null && day >= 1 && day <= 31 ? day : null,
    month: month !== null && month >= 1 && month <= 12 ? month : null,
    year,
    date: dateFromParts(day, month, year),
  };
}

/** An affiliation, its organization still a reference; start and end dates are `YYYY-MM-DD` of real days, else null. */
export function mapAffiliation(raw: BacksideAffiliation): AffiliationRef {
  return {
    companyId: raw.organization_id,
    title: text(raw.title),
    role: text(raw.role),
    department: text(raw.department),
    description: text(raw.description),
    isCurrent: raw.is_current === true,
    startDate: localDate(raw.start_date),
    endDate: localDate(raw.end_date),
  };
}

/**
 * A Backside organization (a contact of kind organization) seen as a company: its first web-address channel or
 * `metadata.website` as website, `metadata.size` (or `employees`) as size when an Int, `metadata` (cut at
 * MAX_JSON_DEPTH) as custom attributes; timestamps that do not read are null (both are nullable here).
 */
export function mapOrganization(raw: BacksideContact): Company {
  const metadata = jsonObject(raw.metadata);
  const website = (raw.channels ?? []).map((channel) => httpUrl(channel.value)).find((url) => url !== null) ?? null;
  const size = integer(metadata.size) ?? integer(metadata.employees);
  return {
    source: 'BACKSIDE',
    sourceId: raw.id,
    name: text(raw.display_name) ?? (joinNonEmpty([text(raw.given_name), text(raw.family_name)], ' ') || raw.id),
    website: website ?? httpUrl(metadata.website),
    industry: text(metadata.industry),
    size,
    createdAt: timestamp(raw.created_at),
    updatedAt: timestamp(raw.updated_at),
    customAttributes: metadata,
  };
}

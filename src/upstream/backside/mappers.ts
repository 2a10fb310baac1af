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
  canonicalEmail,
  canonicalPhone,
  countryCode,
  dateFromParts,
  httpUrl,
  integer,
  joinNonEmpty,
  jsonObject,
  latitude,
  localDate,
  longitude,
  text,
  timestamp,
} from '../../values.js';
import type {
  BacksideAddress,
  BacksideAffiliation,
  BacksideChannel,
  BacksideContact,
  BacksideDate,
  BacksideTag,
} from './types.js';

export interface MapOptions {
  /** Region for phone numbers written without a country code. */
  defaultRegion: string | undefined;
}

const KINDS: Record<string, ContactKind> = { person: 'PERSON', organization: 'ORGANIZATION', group: 'GROUP' };
const EPOCH = new Date(0);

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

export function mapContact(raw: BacksideContact, options: MapOptions): Contact {
  const channels = raw.channels ?? [];
  const email = ranked(channels, 'email')[0];
  const phone = ranked(channels, 'phone')[0];
  const givenName = text(raw.given_name);
  const familyName = text(raw.family_name);
  const name = text(raw.display_name) ?? (joinNonEmpty([givenName, familyName], ' ') || null);
  const emailValue = email ? canonicalEmail(email.canonical_value ?? email.value) : null;
  const phoneValue = phone
    ? (canonicalPhone(phone.canonical_value ?? phone.value, options.defaultRegion) ?? text(phone.value))
    : null;
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
    createdAt: timestamp(raw.created_at) ?? EPOCH,
    updatedAt: timestamp(raw.updated_at) ?? timestamp(raw.created_at) ?? EPOCH,
    deletedAt: timestamp(raw.deleted_at),
    lastSeenAt: null,
    customAttributes: jsonObject(raw.metadata),
    partial: !isFull(raw),
    named: name !== null,
  };
}

export function mapAddress(raw: BacksideAddress): Address {
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
    id: raw.id,
    label: text(raw.label),
    ...parts,
    countryCode: countryCode(raw.country_code),
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

export function mapChannel(raw: BacksideChannel, options: MapOptions): Channel {
  const type = channelType(raw);
  let canonicalValue = text(raw.canonical_value);
  if (type === 'EMAIL') canonicalValue = canonicalEmail(canonicalValue ?? raw.value);
  if (type === 'PHONE') canonicalValue = canonicalPhone(canonicalValue ?? raw.value, options.defaultRegion);
  return {
    id: raw.id,
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

export function mapChannels(raw: BacksideChannel[], options: MapOptions): Channel[] {
  return raw.filter((channel) => text(channel.value) !== null).map((channel) => mapChannel(channel, options));
}

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

/** A Backside organization (a contact of kind organization) seen as a company. */
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

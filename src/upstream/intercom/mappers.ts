// Pure mappers from Intercom's raw shapes (API 2.16) into the unified model.
import type { Address, Channel, Company, Contact, ContactRole, Note, Tag } from '../../model.js';
import {
  canonicalEmail,
  canonicalPhone,
  countryCode,
  htmlToText,
  httpUrl,
  integer,
  joinNonEmpty,
  jsonObject,
  text,
  unixSeconds,
} from '../../values.js';
import type { IntercomCompany, IntercomContact, IntercomNote, IntercomTag } from './types.js';

export interface MapOptions {
  /** Region for phone numbers written without a country code. */
  defaultRegion: string | undefined;
}

const ROLES: Record<string, ContactRole> = { user: 'USER', lead: 'LEAD' };
const EPOCH = new Date(0);

function avatarUrl(avatar: IntercomContact['avatar']): string | null {
  if (typeof avatar === 'string') return httpUrl(avatar);
  return avatar ? httpUrl(avatar.image_url) : null;
}

export function mapContact(raw: IntercomContact, options: MapOptions): Contact {
  const name = text(raw.name);
  const email = canonicalEmail(raw.email);
  const phone = canonicalPhone(raw.phone, options.defaultRegion) ?? text(raw.phone);
  return {
    source: 'INTERCOM',
    sourceId: raw.id,
    kind: 'PERSON',
    role: ROLES[raw.role?.toLowerCase()] ?? null,
    displayName: name ?? email ?? phone ?? raw.id,
    // Intercom keeps one free-form name; splitting it into parts would guess wrong for many names.
    givenName: null,
    familyName: null,
    middleName: null,
    nickname: null,
    prefix: null,
    suffix: null,
    email,
    phone,
    avatarUrl: avatarUrl(raw.avatar),
    bio: null,
    language: text(raw.language_override) ?? text(raw.browser_language),
    timezone: null,
    externalId: text(raw.external_id),
    createdAt: unixSeconds(raw.created_at) ?? EPOCH,
    updatedAt: unixSeconds(raw.updated_at) ?? unixSeconds(raw.created_at) ?? EPOCH,
    deletedAt: null,
    lastSeenAt: unixSeconds(raw.last_seen_at),
    customAttributes: jsonObject(raw.custom_attributes),
    partial: false,
    named: name !== null,
  };
}

/** Intercom's location, when it holds anything, as the contact's one address. */
export function mapAddresses(raw: IntercomContact): Address[] {
  const location = raw.location;
  const city = text(location?.city);
  const region = text(location?.region);
  const country = text(location?.country);
  if (!city && !region && !country) return [];
  return [
    {
      id: `${raw.id}:location`,
      label: 'location',
      street: null,
      extended: null,
      poBox: null,
      city,
      region,
      postalCode: null,
      country,
      countryCode: countryCode(location?.country_code),
      latitude: null,
      longitude: null,
      isPrimary: true,
      formatted: joinNonEmpty([city, region, country]),
    },
  ];
}

/** The email and phone fields and the social profiles, as channels. */
export function mapChannels(raw: IntercomContact, options: MapOptions): Channel[] {
  const channels: Channel[] = [];
  const base = { label: null, isPrimary: true, isVerified: null, preferenceOrder: null };
  const email = text(raw.email);
  if (email) {
    channels.push({
      ...base,
      id: `${raw.id}:email`,
      type: 'EMAIL',
      sourceType: 'email',
      value: email,
      canonicalValue: canonicalEmail(email),
    });
  }
  const phone = text(raw.phone);
  if (phone) {
    channels.push({
      ...base,
      id: `${raw.id}:phone`,
      type: 'PHONE',
      sourceType: 'phone',
      value: phone,
      canonicalValue: canonicalPhone(phone, options.defaultRegion),
    });
  }
  (raw.social_profiles?.data ?? []).forEach((profile, index) => {
    const url = text(profile.url);
    if (!url) return;
    channels.push({
      ...base,
      id: `${raw.id}:social:${index}`,
      type: 'SOCIAL',
      sourceType: text(profile.name) ?? 'social',
      value: url,
      canonicalValue: httpUrl(url),
      isPrimary: false,
    });
  });
  return channels;
}

export function mapTag(raw: IntercomTag): Tag {
  return { source: 'INTERCOM', sourceId: raw.id, name: text(raw.name) ?? raw.id, color: null, description: null };
}

export function mapCompany(raw: IntercomCompany): Company {
  return {
    source: 'INTERCOM',
    sourceId: raw.id,
    name: text(raw.name) ?? text(raw.company_id) ?? raw.id,
    website: httpUrl(raw.website),
    industry: text(raw.industry),
    size: integer(raw.size),
    createdAt: unixSeconds(raw.created_at),
    updatedAt: unixSeconds(raw.updated_at),
    customAttributes: jsonObject(raw.custom_attributes),
  };
}

export function mapNote(raw: IntercomNote, contactId: string): Note {
  const body = typeof raw.body === 'string' ? raw.body : '';
  return {
    source: 'INTERCOM',
    sourceId: raw.id,
    contactId,
    body,
    text: htmlToText(body),
    authorName: text(raw.author?.name),
    createdAt: unixSeconds(raw.created_at) ?? EPOCH,
  };
}

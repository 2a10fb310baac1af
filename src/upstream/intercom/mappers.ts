// Pure mappers from Intercom's raw shapes (API 2.16) into the unified model.
import type { Address, Channel, Company, Contact, ContactRole, Note, Tag } from '../../model.js';
import {
  addressCountry,
  canonicalEmail,
  canonicalPhone,
  htmlToText,
  httpUrl,
  integer,
  joinNonEmpty,
  jsonObject,
  lifetime,
  text,
  unixSeconds,
} from '../../values.js';
import { badShape } from '../shape.js';
import type { IntercomCompany, IntercomContact, IntercomNote, IntercomTag } from './types.js';

export interface MapOptions {
  /** Region for phone numbers written without a country code (DEFAULT_PHONE_REGION). */
  defaultRegion: string | undefined;
}

const ROLES: Record<string, ContactRole> = { user: 'USER', lead: 'LEAD' };

/**
 * The country of Intercom's `location`: its `country_code` when it has one (a code that names no country, like EU, is
 * null), else the code its `country` name stands for (the spec documents `country` as a name: "Ireland").
 */
export function locationCountry(raw: Pick<IntercomContact, 'location'>): string | null {
  const location = raw.location;
  return location && typeof location === 'object' ? addressCountry(location.country_code, location.country) : null;
}

/**
 * The regions a contact's national-form phone is read in, in order: DEFAULT_PHONE_REGION, then the location's country.
 * Intercom's location is where Intercom saw the contact, not necessarily where their phone is from, so the configured
 * region wins when a number is valid in both (`757-555-0188` seen from Berlin stays +17575550188); the
 * location reads what the default cannot (`020 7946 0958`, `00 44 20 7946 0958` seen from London).
 */
function phoneRegions(raw: IntercomContact, options: MapOptions): (string | null | undefined)[] {
  return [options.defaultRegion, locationCountry(raw)];
}

function avatarUrl(avatar: IntercomContact['avatar']): string | null {
  if (typeof avatar === 'string') return httpUrl(avatar);
  return avatar ? httpUrl(avatar.image_url) : null;
}

/**
 * An Intercom contact. Timestamps are unix seconds (read by size, see `lifetime`); phone: canonical (E.164 with `;ext=`)
 * where it parses (see phoneRegions), else as written; custom_attributes cut at MAX_JSON_DEPTH.
 */
export function mapContact(raw: IntercomContact, options: MapOptions): Contact {
  const name = text(raw.name);
  const email = canonicalEmail(raw.email);
  const phone = canonicalPhone(raw.phone, ...phoneRegions(raw, options)) ?? text(raw.phone);
  // A required timestamp that does not read takes the other's value; neither reading is UPSTREAM_BAD_RESPONSE.
  const ends = lifetime(unixSeconds(raw.created_at), unixSeconds(raw.updated_at));
  if (!ends) throw badShape('INTERCOM', 'contact: neither created_at nor updated_at is a timestamp');
  const { createdAt, updatedAt } = ends;
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
    createdAt,
    updatedAt,
    deletedAt: null,
    lastSeenAt: unixSeconds(raw.last_seen_at),
    customAttributes: jsonObject(raw.custom_attributes),
    partial: false,
    named: name !== null,
  };
}

/**
 * Intercom's location, when it holds anything, as the contact's one address; `countryCode` from its code, else its
 * country name (see locationCountry).
 */
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
      countryCode: locationCountry(raw),
      latitude: null,
      longitude: null,
      isPrimary: true,
      formatted: joinNonEmpty([city, region, country]),
    },
  ];
}

/**
 * The email and phone fields and the social profiles, as channels. The phone's `canonicalValue` is E.164 (with `;ext=`
 * for an extension), read as mapContact reads it; null when it does not parse.
 */
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
      canonicalValue: canonicalPhone(phone, ...phoneRegions(raw, options)),
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

/** A tag; a tag without a name is named by its id. */
export function mapTag(raw: IntercomTag): Tag {
  return { source: 'INTERCOM', sourceId: raw.id, name: text(raw.name) ?? raw.id, color: null, description: null };
}

/**
 * A company: `website` an http(s) URL, `size` an Int, unix-second timestamps read by size (unreadable: null, both are
 * nullable here), `custom_attributes` cut at MAX_JSON_DEPTH.
 */
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

/** A note: its HTML body, that body as text, and its unix-seconds `created_at` (unreadable: UPSTREAM_BAD_RESPONSE). */
export function mapNote(raw: IntercomNote, contactId: string): Note {
  const body = typeof raw.body === 'string' ? raw.body : '';
  const createdAt = unixSeconds(raw.created_at);
  if (!createdAt) throw badShape('INTERCOM', 'note: created_at is not a timestamp');
  return {
    source: 'INTERCOM',
    sourceId: raw.id,
    contactId,
    body,
    text: htmlToText(body),
    authorName: text(raw.author?.name),
    createdAt,
  };
}

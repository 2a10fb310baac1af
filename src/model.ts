// The unified contact model every upstream maps into. Pure data: no upstream or GraphQL types here.

export const SOURCES = ['BACKSIDE', 'INTERCOM'] as const;
export type Source = (typeof SOURCES)[number];

export type ContactKind = 'PERSON' | 'ORGANIZATION' | 'GROUP';
export type ContactRole = 'USER' | 'LEAD';
export type ChannelType = 'EMAIL' | 'PHONE' | 'SOCIAL' | 'WEBSITE' | 'OTHER';
export type ContactDateType = 'BIRTHDAY' | 'ANNIVERSARY' | 'OTHER';

export type JsonObject = Record<string, unknown>;

export interface Contact {
  source: Source;
  sourceId: string;
  kind: ContactKind;
  role: ContactRole | null;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  middleName: string | null;
  nickname: string | null;
  prefix: string | null;
  suffix: string | null;
  /** Primary email, trimmed and lowercased. */
  email: string | null;
  /** Primary phone, E.164 where it parses. */
  phone: string | null;
  avatarUrl: string | null;
  bio: string | null;
  language: string | null;
  timezone: string | null;
  externalId: string | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  lastSeenAt: Date | null;
  customAttributes: JsonObject;
  /**
   * True when the source answered without the contact's channels (Backside list items): email, phone, and a
   * displayName that falls back to them, need the full record.
   */
  partial: boolean;
  /** Whether displayName is a real name rather than a fallback to email, phone or id. */
  named: boolean;
}

export interface Address {
  id: string;
  label: string | null;
  street: string | null;
  extended: string | null;
  poBox: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  /** ISO 3166-1 alpha-2 when valid, else null. */
  countryCode: string | null;
  latitude: number | null;
  longitude: number | null;
  isPrimary: boolean;
  formatted: string;
}

export interface Channel {
  id: string;
  type: ChannelType;
  sourceType: string;
  label: string | null;
  value: string;
  canonicalValue: string | null;
  isPrimary: boolean;
  isVerified: boolean | null;
  preferenceOrder: number | null;
}

export interface Tag {
  source: Source;
  sourceId: string;
  name: string;
  color: string | null;
  description: string | null;
}

export interface Company {
  source: Source;
  sourceId: string;
  name: string;
  website: string | null;
  industry: string | null;
  size: number | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  customAttributes: JsonObject;
}

/** An affiliation before its organization is loaded: the company is a reference by source id. */
export interface AffiliationRef {
  companyId: string;
  title: string | null;
  role: string | null;
  department: string | null;
  description: string | null;
  isCurrent: boolean;
  startDate: string | null;
  endDate: string | null;
}

export interface Affiliation extends Omit<AffiliationRef, 'companyId'> {
  company: Company;
}

export interface Note {
  source: Source;
  sourceId: string;
  /** The contact the note is about (note ids are only unique per contact for lookups). */
  contactId: string;
  body: string;
  text: string;
  authorName: string | null;
  createdAt: Date;
}

export interface ContactDate {
  type: ContactDateType;
  sourceType: string;
  label: string | null;
  day: number | null;
  month: number | null;
  year: number | null;
  /** YYYY-MM-DD when day, month and year are all known. */
  date: string | null;
}

/** One page of contacts from one source; `nextCursor` is the upstream's own cursor, null on the last page. */
export interface ContactPage {
  items: Contact[];
  nextCursor: string | null;
}

/** A contact filter with its values already canonical (email lowercased, phone E.164). */
export interface ContactFilter {
  query?: string;
  email?: string;
  phone?: string;
  tag?: string;
  updatedAfter?: Date;
}

/** What links records of one person across sources: a canonical email or an E.164 phone. */
export interface IdentityKey {
  kind: 'email' | 'phone';
  value: string;
}

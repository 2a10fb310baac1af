// Raw Backside REST shapes, as documented in shared/upstreams/backside.md and its seed response.
// Every field the docs mark optional, or that the seed shows as a placeholder, may be null or absent.
// The types say what Backside documents; the mappers read every field as `unknown` could be (src/values.ts): RFC 3339
// timestamps may come without an offset (read as UTC), codes and coordinates as any string, metadata nested deep.

export interface BacksideRecordBase {
  id: string;
  tenant_id?: string;
  contact_id?: string;
  created_at?: string;
  updated_at?: string;
  metadata?: unknown;
}

export interface BacksideAddress extends BacksideRecordBase {
  is_primary?: boolean | null;
  label?: string | null;
  street?: string | null;
  extended?: string | null;
  po_box?: string | null;
  city?: string | null;
  region?: string | null;
  postal_code?: string | null;
  country?: string | null;
  country_code?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  key_version?: number | null;
}

export interface BacksideChannel extends BacksideRecordBase {
  /** email, phone, twitter, linkedin or custom. */
  type: string;
  value: string;
  canonical_value?: string | null;
  label?: string | null;
  is_primary?: boolean | null;
  is_verified?: boolean | null;
  preference_order?: number | null;
  key_version?: number | null;
}

export interface BacksideAffiliation extends BacksideRecordBase {
  organization_id: string;
  is_current?: boolean | null;
  title?: string | null;
  role?: string | null;
  department?: string | null;
  description?: string | null;
  start_date?: string | null;
  end_date?: string | null;
}

export interface BacksideDate extends BacksideRecordBase {
  date_type?: string | null;
  date_label?: string | null;
  date_day?: number | null;
  date_month?: number | null;
  date_year?: number | null;
}

export interface BacksideTag extends BacksideRecordBase {
  name: string;
  color?: string | null;
  description?: string | null;
}

/** A contact. The related arrays are present on `GET /contacts/{id}` and absent on list/find answers. */
export interface BacksideContact extends BacksideRecordBase {
  /** person, organization or group. */
  kind: string;
  display_name?: string | null;
  given_name?: string | null;
  family_name?: string | null;
  middle_name?: string | null;
  nickname?: string | null;
  prefix?: string | null;
  suffix?: string | null;
  avatar_url?: string | null;
  bio?: string | null;
  language?: string | null;
  timezone?: string | null;
  vcard_uid?: string | null;
  deleted_at?: string | null;
  addresses?: BacksideAddress[];
  affiliations?: BacksideAffiliation[];
  channels?: BacksideChannel[];
  dates?: BacksideDate[];
  tags?: BacksideTag[];
}

/** The assumed list envelope (see backside.md, "A"); the client also accepts the tolerated variants. */
export interface BacksideContactList {
  data: BacksideContact[];
  next_cursor?: string | null;
}

export interface BacksideErrorBody {
  error: { code: string; message: string };
  payment_options?: unknown;
}

// Write bodies (backside.md, "Writes"). D: POST contacts, channels, addresses; A: PATCH, DELETE, tags, affiliations.

/** A channel to add, `POST /api/v1/contacts/{id}/channels` (D), or inline in a create (A: see to-upstream.ts). */
export interface BacksideChannelBody {
  /** email, phone, twitter, linkedin or custom. */
  type: string;
  value: string;
  label?: string;
  is_primary: boolean;
}

/** The contact's scalar fields, `POST /api/v1/contacts` (D). `kind` defaults to person upstream. */
export interface BacksideContactBody {
  kind?: string;
  display_name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  prefix?: string;
  suffix?: string;
  avatar_url?: string;
  language?: string;
  timezone?: string;
  /** Our externalId (read back as `externalId`, see mappers.ts). */
  vcard_uid?: string;
  metadata?: Record<string, unknown>;
  /** A: not documented on create; sent so that the contact and its email/phone are one write (see to-upstream.ts). */
  channels?: BacksideChannelBody[];
}

/** `PATCH /api/v1/contacts/{id}` (A): a field left out is kept, `null` clears. */
export type BacksideContactPatch = {
  [K in Exclude<keyof BacksideContactBody, 'kind' | 'channels'>]?: BacksideContactBody[K] | null;
};

/** `POST /api/v1/contacts/{id}/addresses` (D). */
export interface BacksideAddressBody {
  label?: string;
  street?: string;
  extended?: string;
  po_box?: string;
  city?: string;
  region?: string;
  postal_code?: string;
  country?: string;
  country_code?: string;
  is_primary: boolean;
}

/** `POST /api/v1/contacts/{id}/affiliations` (A). */
export interface BacksideAffiliationBody {
  organization_id: string;
  title?: string;
  is_current: boolean;
}

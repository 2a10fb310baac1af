// Raw Intercom REST shapes (API version 2.16), from shared/upstreams/intercom-openapi.yaml and the seed response.
// Timestamps are unix seconds; integrations also write milliseconds into them (read by size: unixSeconds in
// src/values.ts). Free-form objects (custom_attributes) may nest to any depth (cut: jsonObject in src/values.ts).

export interface IntercomRef {
  type: string;
  id: string;
  url?: string;
}

/** An inline reference list on a contact: at most 10 items; `has_more` means follow the sub-list endpoint. */
export interface IntercomRefList {
  type?: string;
  data: IntercomRef[];
  url?: string;
  total_count?: number;
  has_more?: boolean;
}

/**
 * "The country that the contact is located in" (the spec): where Intercom saw the contact, which need not be where
 * their phone number is from.
 */
export interface IntercomLocation {
  type?: string | null;
  /** A country name: "Ireland" (the spec's example). */
  country?: string | null;
  /** Null in the 2.16 examples that show it; any string may come (`EU`; visitors' location_data uses alpha-3 `IRL`). */
  country_code?: string | null;
  region?: string | null;
  city?: string | null;
}

export interface IntercomSocialProfile {
  type?: string;
  name: string;
  url: string;
}

export interface IntercomContact {
  type: 'contact';
  id: string;
  workspace_id?: string;
  external_id?: string | null;
  role: string;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  /** The spec says an object with image_url; real payloads also carry a plain URL string. */
  avatar?: string | { type?: string; image_url?: string | null } | null;
  owner_id?: string | number | null;
  created_at: number;
  updated_at: number;
  signed_up_at?: number | null;
  last_seen_at?: number | null;
  language_override?: string | null;
  browser_language?: string | null;
  location?: IntercomLocation | null;
  social_profiles?: { type?: string; data: IntercomSocialProfile[] } | null;
  custom_attributes?: Record<string, unknown> | null;
  tags?: IntercomRefList | null;
  notes?: IntercomRefList | null;
  companies?: IntercomRefList | null;
  [other: string]: unknown;
}

export interface IntercomCursorPages {
  type?: 'pages';
  page?: number;
  per_page?: number;
  total_pages?: number;
  next?: { per_page?: number; starting_after?: string | null } | null;
}

export interface IntercomList<T> {
  type: 'list';
  data: T[];
  total_count?: number;
  pages?: IntercomCursorPages | null;
}

export interface IntercomTag {
  type: 'tag';
  id: string;
  name: string;
  applied_at?: number | null;
}

export interface IntercomCompany {
  type: 'company';
  id: string;
  name?: string | null;
  company_id?: string | null;
  app_id?: string;
  created_at?: number | null;
  updated_at?: number | null;
  remote_created_at?: number | null;
  size?: number | null;
  website?: string | null;
  industry?: string | null;
  monthly_spend?: number | null;
  custom_attributes?: Record<string, unknown> | null;
}

/** `GET /contacts/{id}/companies`: the schema says `companies`, the example says `data`. */
export interface IntercomContactCompanies {
  type: 'list';
  data?: IntercomCompany[];
  companies?: IntercomCompany[];
  total_count?: number;
  pages?: unknown;
}

export interface IntercomAdmin {
  type?: 'admin';
  id: string;
  name?: string | null;
  email?: string | null;
}

export interface IntercomNote {
  type: 'note';
  id: string;
  created_at: number;
  body: string;
  contact?: { type?: string; id: string } | null;
  author?: IntercomAdmin | null;
}

export type IntercomSearchOperator = '=' | '!=' | 'IN' | 'NIN' | '<' | '<=' | '>' | '>=' | '~' | '!~' | '^' | '$';

export interface IntercomSingleFilter {
  field: string;
  operator: IntercomSearchOperator;
  value: string | number | boolean | null | (string | number)[];
}

export interface IntercomMultipleFilter {
  operator: 'AND' | 'OR';
  value: (IntercomSingleFilter | IntercomMultipleFilter)[];
}

export interface IntercomSearchRequest {
  query: IntercomSingleFilter | IntercomMultipleFilter;
  pagination?: { per_page?: number; starting_after?: string | null };
  sort?: { field: string; order?: 'ascending' | 'descending' };
}

export interface IntercomErrorBody {
  type: 'error.list';
  request_id?: string;
  errors: { code: string; message: string }[];
}

// Write bodies (intercom-openapi.yaml: create_contact_request, update_contact_request, merge_contacts_request).

/** `POST /contacts` (create_contact_request). */
export interface IntercomContactBody {
  role?: 'user' | 'lead';
  external_id?: string;
  email?: string;
  phone?: string;
  name?: string;
  /** An image URL. */
  avatar?: string;
  custom_attributes?: Record<string, unknown>;
}

/** `PUT /contacts/{id}` (update_contact_request): left out is kept, `null` clears; a custom attribute set to null is removed. */
export type IntercomContactPatch = {
  [K in keyof IntercomContactBody]?: IntercomContactBody[K] | null;
};

/** `DELETE /contacts/{id}` (contact_deleted) and `POST /contacts/{id}/archive` (contact_archived). */
export interface IntercomContactRemoved {
  type?: 'contact';
  id: string;
  external_id?: string | null;
  deleted?: boolean;
  archived?: boolean;
}

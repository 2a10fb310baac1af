// Client input for filters and identity, made canonical once so every source searches the same values.
import { GatewayError } from './errors.js';
import type { ContactFilter, IdentityKey } from './model.js';
import { canonicalEmail, canonicalPhone } from './values.js';

export interface FilterInput {
  query?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  tag?: string | null | undefined;
  updatedAfter?: Date | null | undefined;
}

function nonEmpty(name: string, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') throw GatewayError.badInput(`"${name}" must not be empty.`);
  if (trimmed.length > 200) throw GatewayError.badInput(`"${name}" must be at most 200 characters.`);
  return trimmed;
}

export function emailKey(value: string): string {
  const email = canonicalEmail(nonEmpty('email', value));
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw GatewayError.badInput('"email" is not an email address.');
  return email;
}

export function phoneKey(value: string, region: string | undefined): string {
  const phone = canonicalPhone(nonEmpty('phone', value), region);
  if (!phone) throw GatewayError.badInput('"phone" is not a phone number (use E.164, e.g. +14155550134).');
  return phone;
}

export function normalizeFilter(input: FilterInput | null | undefined, region: string | undefined): ContactFilter {
  if (!input) return {};
  const filter: ContactFilter = {};
  const query = nonEmpty('query', input.query);
  const tag = nonEmpty('tag', input.tag);
  if (query) filter.query = query;
  if (input.email !== null && input.email !== undefined) filter.email = emailKey(input.email);
  if (input.phone !== null && input.phone !== undefined) filter.phone = phoneKey(input.phone, region);
  if (tag) filter.tag = tag;
  if (input.updatedAfter) filter.updatedAfter = input.updatedAfter;
  return filter;
}

/** A stable text of a filter: cursors carry it so a cursor is only good for the list it came from. */
export function filterKey(filter: ContactFilter): string {
  const { query, email, phone, tag, updatedAfter } = filter;
  const parts = [query, email, phone, tag, updatedAfter?.toISOString()];
  return parts.every((part) => part === undefined) ? '' : JSON.stringify(parts);
}

export function personKey(
  email: string | null | undefined,
  phone: string | null | undefined,
  region: string | undefined,
): IdentityKey {
  const hasEmail = email !== null && email !== undefined;
  const hasPhone = phone !== null && phone !== undefined;
  if (hasEmail === hasPhone) throw GatewayError.badInput('Give exactly one of "email" or "phone".');
  return hasEmail
    ? { kind: 'email', value: emailKey(email) }
    : { kind: 'phone', value: phoneKey(phone as string, region) };
}

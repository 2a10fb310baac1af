// Pure value helpers shared by the mappers: each turns an upstream value into one the public scalars accept, or null.
import { decodeHTML } from 'entities';
import { type CountryCode as PhoneRegion, parsePhoneNumberFromString } from 'libphonenumber-js';

/** Trimmed, lowercased; null for empty. Identity across sources compares these. */
export function canonicalEmail(value: string | null | undefined): string | null {
  const email = value?.trim().toLowerCase();
  return email ? email : null;
}

/** E.164 when the number parses as a possible number (national numbers read in `region`), else null. */
export function canonicalPhone(value: string | null | undefined, region: string | undefined): string | null {
  if (!value?.trim()) return null;
  const parsed = parsePhoneNumberFromString(value, region ? { defaultCountry: region as PhoneRegion } : undefined);
  return parsed?.isPossible() ? parsed.number : null;
}

export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

export function integer(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

/** An absolute http(s) URL, else null (the URL scalar would reject it). */
export function httpUrl(value: unknown): string | null {
  const candidate = text(value);
  if (!candidate) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** ISO 3166-1 alpha-2, uppercased; null for anything else. */
export function countryCode(value: unknown): string | null {
  const code = text(value)?.toUpperCase();
  return code && /^[A-Z]{2}$/.test(code) && code !== 'ZZ' ? code : null;
}

export function latitude(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 90 ? value : null;
}

export function longitude(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 180 ? value : null;
}

/** Unix seconds to a Date; null for anything that is not a positive number. */
export function unixSeconds(value: unknown): Date | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? new Date(value * 1000) : null;
}

/** An RFC 3339 timestamp to a Date; null when it does not parse. */
export function timestamp(value: unknown): Date | null {
  const candidate = text(value);
  if (!candidate) return null;
  const date = new Date(candidate);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** YYYY-MM-DD of a real calendar day, else null. */
export function localDate(value: unknown): string | null {
  const candidate = text(value)?.slice(0, 10);
  if (!candidate || !/^\d{4}-\d{2}-\d{2}$/.test(candidate)) return null;
  const [year, month, day] = candidate.split('-').map(Number) as [number, number, number];
  return dateFromParts(day, month, year);
}

export function dateFromParts(day: number | null, month: number | null, year: number | null): string | null {
  if (day === null || month === null || year === null) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function jsonObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** HTML to readable plain text: block ends and <br> become newlines, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  // HTML collapses source white space; only tags make line breaks.
  const withBreaks = html
    .replace(/\s+/g, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|blockquote|pre|tr)>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeHTML(withBreaks)
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

export function joinNonEmpty(parts: (string | null | undefined)[], separator = ', '): string {
  return parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').join(separator);
}

/**
 * The ways a stored phone may be written for one E.164 number: sources keep what people typed, and exact-match search
 * can only find a number in the spelling it was stored in.
 */
export function phoneSpellings(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return [e164];
  const national = parsed.nationalNumber;
  const spellings = new Set([
    parsed.number,
    parsed.formatInternational(),
    parsed.formatNational(),
    national,
    `${parsed.countryCallingCode}${national}`,
  ]);
  // NANP numbers are often written 415-555-0134 or 415.555.0134.
  if (parsed.countryCallingCode === '1' && national.length === 10) {
    const [a, b, c] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
    for (const spelling of [
      `${a}-${b}-${c}`,
      `${a}.${b}.${c}`,
      `${a} ${b} ${c}`,
      `+1 ${a}-${b}-${c}`,
      `1-${a}-${b}-${c}`,
    ]) {
      spellings.add(spelling);
    }
  }
  return [...spellings];
}

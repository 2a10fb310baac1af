// Field checks for mutation inputs (src/writes/validate.ts): each reads one value as GraphQL gives it and answers the
// canonical value the upstream writers expect, or the problem with it. Pure; bounds from WRITE_LIMITS.
import { WRITE_LIMITS } from '../defaults.js';
import type { Source } from '../model.js';
import { decodeGlobalID, parseNodeKey } from '../schema/ids.js';
import { canonicalPhone, countryCode } from '../values.js';

/** The userError codes the gateway decides before any upstream call (a subset of the contract's UserErrorCode). */
export type ValidationCode = 'INVALID' | 'REQUIRED' | 'UNSUPPORTED_BY_SOURCE';

/**
 * What the caller can fix, as the contract's UserError: `field` is the path from the mutation's argument
 * (`["input", "email"]`, `["input", "customAttributes", "plan"]`), `message` ours and safe to show (it never echoes
 * the value).
 */
export interface WriteUserError {
  field: string[];
  message: string;
  code: ValidationCode;
}

/** One field's reading: its canonical value, or why it has none. */
export type Checked<T> = { ok: true; value: T } | { ok: false; code: ValidationCode; message: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const invalid = (message: string): Checked<never> => ({ ok: false, code: 'INVALID', message });
const required = (message: string): Checked<never> => ({ ok: false, code: 'REQUIRED', message });

/** C0 and C1 control characters (tabs and newlines included): never part of a one-line value. */
const CONTROL = /\p{Cc}/u;
/** Control characters but tab, newline and carriage return: never part of multi-line text. */
const CONTROL_BUT_LINES = /[^\P{Cc}\t\n\r]/u;

/** A string value as GraphQL passes it: a string, or null / undefined. Anything else is a programming error. */
export type Maybe<T> = T | null | undefined;

/**
 * A one-line string, trimmed: `null` when blank (the caller decides what blank means for its field), INVALID when
 * longer than `max` UTF-16 code units after trimming or holding a control character.
 */
export function line(value: string, what: string, max: number): Checked<string | null> {
  const trimmed = value.trim();
  if (trimmed === '') return ok(null);
  if (trimmed.length > max) return invalid(`${what} is longer than ${max} characters.`);
  if (CONTROL.test(trimmed)) return invalid(`${what} must not hold control characters or line breaks.`);
  return ok(trimmed);
}

// Local part: RFC 5322 atext and dots (no quoted strings: no source takes them); domain: labels of letters (any
// script, for internationalised domains), digits and inner hyphens, at least two, the last not all digits.
const EMAIL_LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * An email address, trimmed and lowercased (as canonicalEmail keeps them); blank is null. INVALID when it is no
 * `local@domain.tld`, its local part is over 64 characters or the whole over WRITE_LIMITS.emailLength (254).
 */
export function email(value: string, what = 'The email'): Checked<string | null> {
  const address = value.trim().toLowerCase();
  if (address === '') return ok(null);
  if (address.length > WRITE_LIMITS.emailLength) {
    return invalid(`${what} is longer than ${WRITE_LIMITS.emailLength} characters.`);
  }
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const labels = address.slice(at + 1).split('.');
  const valid =
    at > 0 &&
    local.length <= 64 &&
    EMAIL_LOCAL.test(local) &&
    labels.length >= 2 &&
    labels.every((label) => DOMAIN_LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1] as string);
  return valid ? ok(address) : invalid(`${what} is not a valid email address.`);
}

/**
 * A phone number in any common spelling (`(202) 555-0123`, `+44 20 7946 0958`, `00 44 …`, with `ext. 42`), as E.164
 * (with `;ext=` for an extension, see canonicalPhone); a national spelling is read in `defaultRegion`. Blank is null;
 * INVALID when no number reads from it.
 */
export function phone(value: string, defaultRegion: string | undefined, what = 'The phone'): Checked<string | null> {
  const written = value.trim();
  if (written === '') return ok(null);
  if (written.length > WRITE_LIMITS.phoneLength) {
    return invalid(`${what} is longer than ${WRITE_LIMITS.phoneLength} characters.`);
  }
  const canonical = canonicalPhone(written, defaultRegion);
  return canonical
    ? ok(canonical)
    : invalid(
        `${what} is not a phone number${defaultRegion ? ` (read in ${defaultRegion} when it has no +country code)` : ''}.`,
      );
}

/**
 * An absolute http(s) URL (a string, or a URL object as the URL scalar gives it), as its normalised href; blank is
 * null; INVALID for any other scheme, a relative URL, credentials in it or more than WRITE_LIMITS.urlLength
 * characters.
 */
export function httpUrl(value: string | URL, what = 'The URL'): Checked<string | null> {
  const written = value instanceof URL ? value.href : value.trim();
  if (written === '') return ok(null);
  let url: URL;
  try {
    url = new URL(written);
  } catch {
    return invalid(`${what} is not an absolute http or https URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return invalid(`${what} is not an absolute http or https URL.`);
  }
  if (url.username || url.password) return invalid(`${what} must not hold a user name or password.`);
  if (url.href.length > WRITE_LIMITS.urlLength) {
    return invalid(`${what} is longer than ${WRITE_LIMITS.urlLength} characters.`);
  }
  return ok(url.href);
}

/** A social handle: an optional `@`, then letters, digits, `.`, `_` or `-` (as the common networks spell them). */
const HANDLE = /^@?[\p{L}\p{N}._-]{1,100}$/u;

/** A social profile: an absolute http(s) URL (normalised) or a handle (`@ada`, kept as written); blank is null. */
export function social(value: string): Checked<string | null> {
  const written = value.trim();
  if (written === '') return ok(null);
  if (HANDLE.test(written)) return ok(written);
  const url = httpUrl(written, 'The social profile');
  return url.ok ? url : invalid('The social profile is neither an http(s) URL nor a handle like @name.');
}

/** BCP 47 language tags as sources keep them: `en`, `pt-BR`, `zh-Hant-TW` (an underscore is read as a hyphen). */
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

/** A language tag (`en`, `pt-BR`); blank is null. */
export function language(value: string): Checked<string | null> {
  const tag = value.trim().replace(/_/g, '-');
  if (tag === '') return ok(null);
  if (tag.length > WRITE_LIMITS.languageLength || !LANGUAGE.test(tag)) {
    return invalid('The language is not a language tag like en or pt-BR.');
  }
  return ok(tag);
}

/** An IANA time zone name this runtime knows (`Europe/Dublin`, `UTC`), as written; blank is null. */
export function timezone(value: string): Checked<string | null> {
  const zone = value.trim();
  if (zone === '') return ok(null);
  if (zone.length > WRITE_LIMITS.timezoneLength) return invalid('The time zone is not an IANA time zone name.');
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return ok(zone);
  } catch {
    return invalid('The time zone is not an IANA time zone name like Europe/Dublin.');
  }
}

/** An ISO 3166-1 alpha-2 code (the CountryCode scalar's), uppercased; a code ISO reserves for a country read as it. */
export function country(value: string): Checked<string | null> {
  if (value.trim() === '') return ok(null);
  const code = countryCode(value);
  return code ? ok(code) : invalid('The country code is not an ISO 3166-1 alpha-2 code.');
}

/** Bytes of a string as UTF-8. */
export const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

/**
 * Multi-line text (a note's HTML body), trimmed: REQUIRED when blank, INVALID past `maxBytes` UTF-8 bytes or with
 * control characters other than tabs and line breaks.
 */
export function body(value: string, what: string, maxBytes: number): Checked<string> {
  const trimmed = value.trim();
  if (trimmed === '') return required(`${what} must not be empty.`);
  if (utf8Bytes(trimmed) > maxBytes) return invalid(`${what} is larger than ${maxBytes / 1024} KiB.`);
  if (CONTROL_BUT_LINES.test(trimmed)) return invalid(`${what} must not hold control characters.`);
  return ok(trimmed);
}

/**
 * An idempotency key: 1 to WRITE_LIMITS.idempotencyKeyLength (255) printable ASCII characters (space to tilde), kept
 * exactly as sent (not trimmed: the caller compares keys byte for byte).
 */
export function idempotencyKey(value: string): Checked<string> {
  if (value.length === 0 || value.length > WRITE_LIMITS.idempotencyKeyLength || !/^[\x20-\x7e]+$/.test(value)) {
    return invalid(`The idempotency key must be 1 to ${WRITE_LIMITS.idempotencyKeyLength} printable ASCII characters.`);
  }
  return ok(value);
}

/** A record a global id names: its source and the id the source gave it. */
export interface SourceRef {
  source: Source;
  sourceId: string;
}

/**
 * The record a global id names, when the id decodes and is of `typename` (`Contact`, `Company`); INVALID otherwise
 * (an id this gateway never gave out, or one of another type: a Tag id where a Contact id is expected).
 */
export function globalId(value: string, typename: 'Contact' | 'Company'): Checked<SourceRef> {
  const article = typename === 'Contact' ? 'a Contact' : 'a Company';
  try {
    const decoded = decodeGlobalID(value);
    if (decoded.typename !== typename) return invalid(`The id is not ${article} id.`);
    const { source, ids } = parseNodeKey(decoded.id);
    return ok({ source, sourceId: ids[0] as string });
  } catch {
    return invalid(`The id is not ${article} id this gateway gave out.`);
  }
}

/**
 * A free-form JSON object (customAttributes): a plain object (not an array, not a scalar), its JSON text at most
 * WRITE_LIMITS.customAttributesBytes UTF-8 bytes, nesting at most WRITE_LIMITS.customAttributesDepth levels (the
 * object itself is level 1), every key, at any level, non-blank and at most customAttributeKeyLength characters.
 * Answers every problem found, each with its path below `path` (`[...path, "plan"]`).
 */
export function jsonObject(value: unknown, path: string[]): Checked<Record<string, unknown>> | WriteUserError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('Custom attributes must be a JSON object.');
  }
  const errors: WriteUserError[] = [];
  const { customAttributesDepth: maxDepth, customAttributeKeyLength: maxKey } = WRITE_LIMITS;
  // Iterative, so a hostile nesting cannot overflow the stack; the depth check stops the walk at the limit anyway.
  const stack: { node: unknown; at: string[]; depth: number }[] = [{ node: value, at: path, depth: 1 }];
  while (stack.length > 0 && errors.length < 20) {
    const { node, at, depth } = stack.pop() as { node: unknown; at: string[]; depth: number };
    if (typeof node !== 'object' || node === null) {
      if (typeof node === 'number' && !Number.isFinite(node)) {
        errors.push({ field: at, code: 'INVALID', message: 'A custom attribute is not a finite number.' });
      }
      continue;
    }
    if (depth > maxDepth) {
      errors.push({ field: at, code: 'INVALID', message: `Custom attributes nest deeper than ${maxDepth} levels.` });
      continue;
    }
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((item, index) => [String(index), item])
      : Object.entries(node);
    for (const [key, child] of entries) {
      if (!Array.isArray(node) && (key.trim() === '' || key.length > maxKey)) {
        errors.push({
          field: [...at, key],
          code: 'INVALID',
          message: `A custom attribute key must be 1 to ${maxKey} characters, not blank.`,
        });
        continue;
      }
      stack.push({ node: child, at: [...at, key], depth: depth + 1 });
    }
  }
  if (errors.length > 0) return errors;
  const text = JSON.stringify(value);
  if (utf8Bytes(text) > WRITE_LIMITS.customAttributesBytes) {
    return invalid(`Custom attributes are larger than ${WRITE_LIMITS.customAttributesBytes / 1024} KiB as JSON.`);
  }
  return ok(value as Record<string, unknown>);
}

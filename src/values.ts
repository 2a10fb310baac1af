// Pure value helpers shared by the mappers: each turns an upstream value into one the public scalars accept, or null.
// The rule every helper keeps: what it returns passes its output scalar (graphql-scalars, or GraphQL's Int), so a
// messy upstream value becomes null in the answer, never an error (test/data.test.ts checks each against the scalars).
import { decodeHTML } from 'entities';
import { CountryCodeResolver } from 'graphql-scalars';
import { type PhoneNumber, type CountryCode as PhoneRegion, parsePhoneNumberFromString } from 'libphonenumber-js';
import { DATE_MEMO_MAX_BYTES, PHONE_MEMO_MAX_BYTES } from './defaults.js';
import { memoize } from './memo.js';

/** Trimmed, lowercased; null for empty. Identity across sources compares these. */
export function canonicalEmail(value: string | null | undefined): string | null {
  const email = value?.trim().toLowerCase();
  return email ? email : null;
}

// ---------------------------------------------------------------------------------------------------------- phones

/** The RFC 3966 extension parameter, as our canonical phones carry it: `+12025550123;ext=42`. */
const EXTENSION = ';ext=';

/** E.164, with the extension (if any) as RFC 3966's `;ext=` parameter. */
function phoneText(parsed: PhoneNumber): string {
  return parsed.ext ? `${parsed.number}${EXTENSION}${parsed.ext}` : parsed.number;
}

/**
 * A phone number as one canonical string, or null when it is no phone number. The shape is E.164, plus RFC 3966's
 * extension parameter when the number has one: `+442079460958`, `+12025550123;ext=42` (an extension written `ext. 42`,
 * `x42`, `#42` or `;ext=42` is kept; two numbers that differ only by extension are different numbers).
 *
 * A number written with its `+` country code needs no region. One written in national form (`020 7946 0958`) or after
 * an international call prefix (`00 44 …` from Europe, `011 44 …` from North America) is read in the `regions`
 * given, in order (ISO 3166-1 alpha-2; null, undefined and anything that is no region are skipped). A leading `00`
 * (the ITU-T recommended international prefix) read as `+` wins when that makes a *valid* number, whatever the region
 * (Japan's or North America's prefixes differ, but no national number starts with 00); then the first region in
 * which it is a valid number; failing all, the first region in which it is at least a *possible* number (the right
 * length).
 * Validity and lengths come from libphonenumber-js's metadata.
 */
export const canonicalPhone: (
  value: string | null | undefined,
  ...regions: (string | null | undefined)[]
) => string | null = memoize(
  parsePhone,
  // Parsing is a twentieth of a millisecond or more, and every page that lists a contact reads its phones again.
  (value, ...regions) => `${value ?? ''}\u0000${regions.join('\u0001')}`,
  PHONE_MEMO_MAX_BYTES / 2,
);

function parsePhone(value: string | null | undefined, ...regions: (string | null | undefined)[]): string | null {
  const written = value?.trim();
  if (!written) return null;
  // A leading 00 then a country code is the international prefix of most of the world; no national number starts so.
  const afterPrefix = /^0[\s.-]*0[\s.-]*(?=[1-9])/.exec(written);
  const international = afterPrefix
    ? parsePhoneNumberFromString(`+${written.slice(afterPrefix[0].length)}`)
    : undefined;
  const regional: (PhoneNumber | undefined)[] = [];
  for (const region of new Set(regions.map(phoneRegion))) {
    regional.push(parsePhoneNumberFromString(written, region ? { defaultCountry: region } : undefined));
  }
  if (regional.length === 0) regional.push(parsePhoneNumberFromString(written));
  const chosen =
    [international, ...regional].find((parsed) => parsed?.isValid()) ??
    [...regional, international].find((parsed) => parsed?.isPossible());
  return chosen ? phoneText(chosen) : null;
}

/**
 * `canonical` (as canonicalPhone answers it) with the extension `typed` writes, when `typed` is the same number with
 * one: a source's normalised value may drop what the person typed after the number (`+12025550123` for
 * `(202) 555-0123 x43`). `typed` is read in the canonical number's own country; anything else leaves `canonical` as is.
 */
export function keepExtension(canonical: string, typed: string | null | undefined): string {
  if (canonical.includes(EXTENSION) || !typed?.trim()) return canonical;
  return withTypedExtension(canonical, typed) ?? canonical;
}

const withTypedExtension = memoize(
  (canonical: string, typed: string): string | null => readExtension(canonical, typed),
  (canonical, typed) => `${canonical}\u0000${typed}`,
  PHONE_MEMO_MAX_BYTES / 2,
);

function readExtension(canonical: string, typed: string): string {
  const country = parsePhoneNumberFromString(canonical)?.country;
  const read = parsePhoneNumberFromString(typed.trim(), country ? { defaultCountry: country } : undefined);
  return read?.ext && read.number === canonical ? phoneText(read) : canonical;
}

const knownRegions = new Map<string, PhoneRegion | undefined>();

/** `region` when libphonenumber-js knows it as a phone region, else undefined. */
function phoneRegion(region: string | null | undefined): PhoneRegion | undefined {
  const code = region?.trim().toUpperCase();
  if (!code || !/^[A-Z]{2}$/.test(code)) return undefined;
  if (!knownRegions.has(code)) {
    // Only regions with phone metadata: parsing with any other throws.
    try {
      parsePhoneNumberFromString('1', { defaultCountry: code as PhoneRegion });
      knownRegions.set(code, code as PhoneRegion);
    } catch {
      knownRegions.set(code, undefined);
    }
  }
  return knownRegions.get(code);
}

/**
 * The ways a stored phone may be written for one canonical number (as {@link canonicalPhone} answers it): sources keep
 * what people typed, and exact-match search can only find a number in the spelling it was stored in. Besides the
 * international, national and bare forms: the forms after an international call prefix (`00 44 20 7946 0958`,
 * `011 44 …`), and for a number with an extension only that number's spellings with its extension
 * (`… ext. 42`, `… ext 42`, `… x42`, `…;ext=42`), never the bare number, which is another number.
 */
export function phoneSpellings(canonical: string): string[] {
  const parsed = parsePhoneNumberFromString(canonical);
  if (!parsed) return [canonical];
  const national = parsed.nationalNumber;
  const international = parsed.formatInternational().replace(/\s*ext\..*$/, '');
  const spellings = new Set([
    parsed.number,
    international,
    parsed.formatNational().replace(/\s*ext\..*$/, ''),
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
  // After the international call prefix of most of the world (00) and of North America (011).
  for (const prefix of ['00', '011']) {
    spellings.add(`${prefix}${parsed.countryCallingCode}${national}`);
    spellings.add(`${prefix} ${international.slice(1)}`);
  }
  if (!parsed.ext) return [canonical, ...spellings].filter((spelling, index, all) => all.indexOf(spelling) === index);
  const ext = parsed.ext;
  const withExtension = new Set([canonical]);
  for (const spelling of spellings) {
    for (const suffix of [` ext. ${ext}`, ` ext ${ext}`, ` x${ext}`, `${EXTENSION}${ext}`]) {
      withExtension.add(`${spelling}${suffix}`);
    }
  }
  return [...withExtension];
}

// ------------------------------------------------------------------------------------------------ text and numbers

/** A string with its surrounding white space trimmed; null for anything else and for an empty one. */
export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

const INT_MAX = 2 ** 31 - 1;

/** An integer GraphQL's Int can carry (32-bit signed), else null: a larger one would fail the field with an error. */
export function integer(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT_MAX ? value : null;
}

/** What URL's parser reads as an http: or https: scheme: after any leading C0 controls and spaces, case-insensitive. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: URL's parser skips leading C0 controls, so this must too.
const HTTP_SCHEME = /^[\u0000-\u0020]*https?:/i;

/** An absolute http(s) URL, else null (the URL scalar would reject it). */
export function httpUrl(value: unknown): string | null {
  const candidate = text(value);
  // Most values asked are no URL at all (a company's phone channels): answered without the parser's exception.
  if (!candidate || !HTTP_SCHEME.test(candidate)) return null;
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** A finite number, or a string holding only a decimal number (`"53.35"`); null otherwise. */
function decimal(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const candidate = text(value);
  if (!candidate || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(candidate)) return null;
  const number = Number(candidate);
  return Number.isFinite(number) ? number : null;
}

/** Decimal degrees from -90 to 90 (a number, or a string holding one), else null. */
export function latitude(value: unknown): number | null {
  const degrees = decimal(value);
  return degrees !== null && Math.abs(degrees) <= 90 ? degrees : null;
}

/** Decimal degrees from -180 to 180 (a number, or a string holding one), else null. */
export function longitude(value: unknown): number | null {
  const degrees = decimal(value);
  return degrees !== null && Math.abs(degrees) <= 180 ? degrees : null;
}

// ------------------------------------------------------------------------------------------------------- countries

/**
 * Codes ISO 3166-1 reserves for a country that has another code: read as that country. UK is exceptionally reserved
 * for the United Kingdom (GB); BU, TP and ZR are transitionally reserved, the old codes of Burma (MM), East Timor (TL)
 * and Zaire (CD). Every other reserved code is null: EU, EZ and UN name organisations, AC, CP, CQ, DG, EA, FX, IC and
 * TA parts of a country, AN, CS, NT, SU and YU countries that no longer exist, and the indeterminately reserved vehicle
 * codes (JA is Jamaica, RC Taiwan, RB either Bolivia or Botswana) mean different things in different uses. EL, the
 * European Union's code for Greece, is not reserved by ISO 3166 at all: null.
 */
const RESERVED_FOR_A_COUNTRY: Readonly<Record<string, string>> = { UK: 'GB', BU: 'MM', TP: 'TL', ZR: 'CD' };

let assignedCodes: ReadonlySet<string> | undefined;

/** The alpha-2 codes the CountryCode scalar accepts (ISO 3166-1's assigned codes, and XK for Kosovo). */
function assigned(): ReadonlySet<string> {
  if (!assignedCodes) {
    const codes = new Set<string>();
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        try {
          CountryCodeResolver.serialize(code);
          codes.add(code);
        } catch {
          // Not assigned.
        }
      }
    }
    assignedCodes = codes;
  }
  return assignedCodes;
}

/**
 * An ISO 3166-1 alpha-2 country code, uppercased: an assigned code as it is, a code ISO reserves for a country read as
 * that country's code (UK is GB, see RESERVED_FOR_A_COUNTRY); null for anything else (EU, ZZ, XX1, IRL, …).
 */
export function countryCode(value: unknown): string | null {
  const code = text(value)?.toUpperCase();
  if (!code || !/^[A-Z]{2}$/.test(code)) return null;
  if (assigned().has(code)) return code;
  return RESERVED_FOR_A_COUNTRY[code] ?? null;
}

/** Names people and geolocation services use that CLDR's English names do not spell the same way. */
const COUNTRY_ALIASES: Readonly<Record<string, string>> = {
  usa: 'US',
  'united states of america': 'US',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  'russian federation': 'RU',
  'korea republic of': 'KR',
  'republic of korea': 'KR',
  'viet nam': 'VN',
  'czech republic': 'CZ',
  turkey: 'TR',
  'ivory coast': 'CI',
  'cape verde': 'CV',
  swaziland: 'SZ',
  macedonia: 'MK',
  burma: 'MM',
  'east timor': 'TL',
  'democratic republic of the congo': 'CD',
  'republic of the congo': 'CG',
};

let countryNames: ReadonlyMap<string, string> | undefined;

/** Lowercase, without accents, punctuation, `the ` or `&`, so that `Côte d’Ivoire` and `cote d'ivoire` meet. */
function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’.]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .replace(/^the /, '');
}

/**
 * The country a name stands for, as an alpha-2 code; null when it names none (or is empty). Knows CLDR's English
 * names, long and short (`United Kingdom`, `UK`, `Hong Kong SAR China`, `Hong Kong`), through `Intl.DisplayNames`, a
 * few common others (`USA`, `England`, `Czech Republic`, …), and a code itself (`GB`, `UK`). Intercom's
 * `location.country` is such a name.
 */
export function countryFromName(value: unknown): string | null {
  const name = text(value);
  if (!name) return null;
  if (/^[A-Za-z]{2}$/.test(name)) return countryCode(name);
  if (!countryNames) {
    const names = new Map<string, string>();
    for (const style of ['long', 'short'] as const) {
      const display = new Intl.DisplayNames(['en'], { type: 'region', style, fallback: 'none' });
      for (const code of assigned()) {
        const english = display.of(code);
        if (english) names.set(nameKey(english), code);
      }
    }
    for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) names.set(alias, code);
    countryNames = names;
  }
  return countryNames.get(nameKey(name)) ?? null;
}

/**
 * The country of an address that gives a code and a name: the code when the source gives one (a given code that is no
 * country, like `EU`, is null: the source said so), else the country the name stands for.
 */
export function addressCountry(code: unknown, name: unknown): string | null {
  return text(code) !== null ? countryCode(code) : countryFromName(name);
}

// ----------------------------------------------------------------------------------------------------------- times

/** The first and last instants an RFC 3339 date-time can say (four-digit years): 0000-01-01 to 9999-12-31. */
const FIRST_INSTANT_MS = -62_167_219_200_000;
const LAST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A Date the DateTime scalar writes as RFC 3339, else null. The scalar itself accepts any valid Date, and JSON then
 * writes years past 9999 as `+056450-…`, which no RFC 3339 parser reads.
 */
function instant(ms: number): Date | null {
  return Number.isFinite(ms) && ms >= FIRST_INSTANT_MS && ms <= LAST_INSTANT_MS ? new Date(ms) : null;
}

/**
 * Epoch readings of a number, by size (the unit a seconds field holds when an integration wrote another unit into it):
 * below 1e10 it is seconds (1e10 s is 2286-11-20, so seconds hold any date a contact can have), below 1e13
 * milliseconds (what JavaScript's Date.now() writes: `1719239678000` is 2024-06-24, not the year 56450), below 1e16
 * microseconds, below 1e19 nanoseconds; anything larger, zero, negative or not finite (JSON's `1e400` parses as
 * Infinity) is no instant: null, never 1970.
 */
export function unixSeconds(value: unknown): Date | null {
  const number = typeof value === 'string' && /^\d{1,20}(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) return null;
  if (number < 1e10) return instant(number * 1000);
  if (number < 1e13) return instant(number);
  if (number < 1e16) return instant(number / 1e3);
  if (number < 1e19) return instant(number / 1e6);
  return null;
}

/** `YYYY-MM-DD`, then optionally `T` (or a space) and `hh:mm`, `:ss`, a fraction and an offset. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?)?$/;

/**
 * An RFC 3339 / ISO 8601 date-time string (Backside's timestamps) to a Date; null when it is not one or names no real
 * instant. A string without an offset (`2024-06-24T14:01:18`) is read as UTC on every host (JavaScript's Date would
 * read it in the host's time zone); a date alone is its midnight UTC; offsets may be `Z`, `±hh:mm`, `±hhmm` or `±hh`;
 * the seconds, and a fraction of them, are optional; a leap second (`:60`) is read as the last millisecond of its
 * minute. A number is read as {@link unixSeconds} reads one.
 */
export function timestamp(value: unknown): Date | null {
  if (typeof value === 'number') return unixSeconds(value);
  if (typeof value !== 'string') return null;
  // A fresh Date each time (Dates are mutable); the reading of the text is remembered.
  const ms = readTimestamp(value);
  return ms === null ? null : new Date(Number(ms));
}

/** Epoch ms of an RFC 3339 / ISO 8601 text, as a string (the memo keeps strings); null when it names no instant. */
const readTimestamp = memoize(
  (value: string): string | null => {
    const date = parseTimestamp(value);
    return date ? String(date.getTime()) : null;
  },
  (value) => value,
  DATE_MEMO_MAX_BYTES,
);

function parseTimestamp(value: string): Date | null {
  const candidate = text(value);
  const match = candidate ? DATE_TIME.exec(candidate) : null;
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, oh = '0', om = '0'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  if (dateFromParts(day ?? 0, month ?? 0, year ?? 0) === null) return null;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 60) return null;
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const ms = second === 60 ? 999 : Number(`0.${fraction || '0'}`) * 1000;
  const utc = Date.UTC(year as number, 0, 1, hour, minute, Math.min(second as number, 59), Math.floor(ms));
  // Date.UTC maps years 0-99 to 1900-1999: set the year and the day of the month explicitly.
  const date = new Date(utc);
  date.setUTCFullYear(year as number, (month as number) - 1, day as number);
  const offset = sign ? (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000 : 0;
  return instant(date.getTime() - offset);
}

/** YYYY-MM-DD of a real calendar day, else null. A longer string counts by its first ten characters. */
export function localDate(value: unknown): string | null {
  const candidate = text(value)?.slice(0, 10);
  if (!candidate || !/^\d{4}-\d{2}-\d{2}$/.test(candidate)) return null;
  const [year, month, day] = candidate.split('-').map(Number) as [number, number, number];
  return dateFromParts(day, month, year);
}

/** `YYYY-MM-DD` when day, month and year (0 to 9999, as LocalDate writes years in four digits) make a real day. */
export function dateFromParts(day: number | null, month: number | null, year: number | null): string | null {
  if (day === null || month === null || year === null) return null;
  if (![day, month, year].every(Number.isInteger) || year < 0 || year > 9999) return null;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// -------------------------------------------------------------------------------------------------------------- JSON

/**
 * How deep free-form upstream JSON (Intercom custom_attributes, Backside metadata) may nest, counting the object itself
 * as level 1: `{"a": {"b": 1}}` has two levels. An object or array that would be level 33 or deeper is cut: it becomes
 * null, and its siblings and everything above it are kept. Serialising JSON recurses, so without a bound one record
 * nested thousands deep turns the whole GraphQL answer into an HTTP 500.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests containers deeper than `levels` (looks no deeper than that, so never overflows the stack). */
function deeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (deeperThan(child, levels - 1)) return true;
  }
  return false;
}

/** A copy of `value` with every container deeper than `levels` replaced by null. */
function cut(value: unknown, levels: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (levels === 0) return null;
  if (Array.isArray(value)) return value.map((child) => cut(child, levels - 1));
  // fromEntries defines own properties: a "__proto__" key stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, cut(child, levels - 1)]));
}

/**
 * A free-form JSON object as the JSONObject scalar carries it: `{}` for anything that is not an object (null, an
 * array, a string), and nesting past {@link MAX_JSON_DEPTH} levels cut to null. The same object when nothing is cut.
 */
export function jsonObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return deeperThan(value, MAX_JSON_DEPTH)
    ? (cut(value, MAX_JSON_DEPTH) as Record<string, unknown>)
    : (value as Record<string, unknown>);
}

// -------------------------------------------------------------------------------------------------------------- text

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

/** The parts that are non-blank strings, joined (`', '` unless told otherwise). */
export function joinNonEmpty(parts: (string | null | undefined)[], separator = ', '): string {
  return parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').join(separator);
}

/**
 * A record's required creation and update instants (both non-null in the contract): one that does not read takes the
 * other's value, since both bound the record's life; null when neither reads (the caller answers
 * UPSTREAM_BAD_RESPONSE).
 */
export function lifetime(created: Date | null, updated: Date | null): { createdAt: Date; updatedAt: Date } | null {
  const createdAt = created ?? updated;
  return createdAt ? { createdAt, updatedAt: updated ?? createdAt } : null;
}

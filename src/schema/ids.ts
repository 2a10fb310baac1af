import { GatewayError } from '../errors.js';
import { SOURCES, type Source } from '../model.js';

/** Global ids are base64url of `Typename:key`: opaque to clients, stable for caches. */
export function encodeGlobalID(typename: string, key: string | number | bigint): string {
  return Buffer.from(`${typename}:${key}`).toString('base64url');
}

export function decodeGlobalID(globalID: string): { typename: string; id: string } {
  const decoded = Buffer.from(globalID, 'base64url').toString();
  const colon = decoded.indexOf(':');
  // Round-tripping rejects strings that only happen to decode (base64 accepts almost anything).
  if (colon < 1 || Buffer.from(decoded).toString('base64url') !== globalID.replace(/=+$/, '')) {
    throw GatewayError.badInput('The id is not one this gateway gave out.');
  }
  return { typename: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

// The part of a global id after the type name: `SOURCE:sourceId` (notes add the contact: `SOURCE:contactId:noteId`).

export function nodeKey(source: Source, ...parts: string[]): string {
  return [source, ...parts].join(':');
}

export function parseNodeKey(key: string, parts = 1): { source: Source; ids: string[] } {
  const [source, ...rest] = key.split(':');
  const ids = parts === 1 ? [rest.join(':')] : [...rest.slice(0, parts - 1), rest.slice(parts - 1).join(':')];
  if (!SOURCES.includes(source as Source) || rest.length < parts || ids.some((id) => id === '')) {
    throw GatewayError.badInput('The id is not one this gateway gave out.');
  }
  return { source: source as Source, ids };
}

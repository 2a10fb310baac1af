// Intercom's webhook signature (shared/upstreams/intercom.md, "Webhooks"): `X-Hub-Signature: sha1=<hex>`, the
// HMAC-SHA1 of the raw body keyed by the app's client secret. Checked on the raw bytes, before anything is parsed.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header value Intercom sends for `body`. */
export function signIntercom(body: Uint8Array | string, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

/**
 * Whether `header` is the signature of `body`: false when absent, malformed or wrong. The comparison takes the same
 * time whatever the header holds (a well-formed one is compared in constant time; a malformed one is refused by its
 * shape alone, which tells an attacker nothing about the secret).
 */
export function verifyIntercomSignature(body: Uint8Array, header: string | null, secret: string): boolean {
  const match = /^sha1=([0-9a-f]{40})$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return false;
  const expected = createHmac('sha1', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

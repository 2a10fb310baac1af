// Reading an upstream body within a size cap and the process's byte budget. The attempt's signal (given to the wire)
// aborts the read too, so a body that stalls or dribbles ends with the attempt's timeout.

import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { GatewayError } from '../../errors.js';
import type { Source } from '../../model.js';
import { AttemptFailure, badResponse } from './failure.js';
import type { WireResponse } from './wire.js';

/**
 * Bytes of upstream bodies being read and parsed at once, over every source and credential of the process. One cap
 * per body is not enough: sixteen 9 MB answers at once take a 128 MB heap down. A body holds its bytes from its first
 * chunk until it is parsed.
 */
export class BodyBudget {
  #used = 0;

  constructor(readonly maxBytes: number) {}

  /** Takes `bytes` more; false, taking nothing, when that would pass the budget. */
  take(bytes: number): boolean {
    if (this.#used + bytes > this.maxBytes) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }

  /** Bytes held now (for tests and metrics). */
  get used(): number {
    return this.#used;
  }
}

/** Decoders by Content-Encoding (RFC 9110 §8.4.1), for the encodings the wire asks for. */
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** What one body may take: its own cap, and the budget shared with every other body being read. */
export interface BodyLimits {
  maxBytes: number;
  budget: BodyBudget;
}

/**
 * The body as text, at most `limits.maxBytes` (by Content-Length before reading, and counted while reading a chunked
 * one). Its bytes stay taken from `limits.budget` until the caller gives them back (`budget.give(bytes)`).
 * @throws AttemptFailure UPSTREAM_BAD_RESPONSE past the cap; UPSTREAM_UNAVAILABLE when the process's budget is spent
 *   (other answers are using it: not the upstream's fault); whatever the stream throws (an abort) otherwise.
 */
export async function readBody(
  response: WireResponse,
  limits: BodyLimits,
  source: Source,
  route: string,
): Promise<{ text: string; bytes: number }> {
  const tooLarge = () => badResponse(source, `${route}: body over ${limits.maxBytes} bytes`);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await response.cancel();
    throw tooLarge();
  }
  if (!response.body) return { text: '', bytes: 0 };
  const encoding = response.headers.get('content-encoding')?.trim().toLowerCase() ?? 'identity';
  const decoder = DECODERS[encoding];
  if (encoding !== 'identity' && !decoder) {
    await response.cancel();
    throw badResponse(source, `${route}: unknown content-encoding`);
  }
  // Decoded as it is read: the cap and the budget count what the answer decodes to (a small bomb stays small).
  const read = decoder ? pipeline(response.body as unknown as Readable, decoder(), () => {}) : response.body;
  // Chunks joined once at the end: one decode of the whole body, which a multi-byte character split between two
  // chunks cannot break.
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for await (const chunk of read as AsyncIterable<Uint8Array>) {
      if (bytes + chunk.byteLength > limits.maxBytes) throw tooLarge();
      if (!limits.budget.take(chunk.byteLength)) {
        throw new AttemptFailure(
          GatewayError.upstream('UPSTREAM_UNAVAILABLE', source, `${route}: upstream body budget of the process spent`),
        );
      }
      bytes += chunk.byteLength;
      chunks.push(chunk);
    }
  } catch (error) {
    limits.budget.give(bytes);
    await response.cancel();
    throw error;
  }
  if (chunks.length === 1) return { text: Buffer.from(chunks[0] as Uint8Array).toString('utf8'), bytes };
  return { text: Buffer.concat(chunks, bytes).toString('utf8'), bytes };
}

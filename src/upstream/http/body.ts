// Reading an upstream body within a size cap. The attempt's signal (passed to fetch) aborts the read too, so a body
// that stalls or dribbles ends with the attempt's timeout.
import type { Source } from '../../model.js';
import { badResponse } from './failure.js';

/**
 * The body as text, at most `maxBytes` (by Content-Length before reading, and counted while reading a chunked one).
 * @throws AttemptFailure UPSTREAM_BAD_RESPONSE past the cap; whatever the stream throws (an abort) otherwise.
 */
export async function readBody(response: Response, maxBytes: number, source: Source, route: string): Promise<string> {
  const tooLarge = () => badResponse(source, `${route}: body over ${maxBytes} bytes`);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return '';
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

import type { Plugin } from 'graphql-yoga';
import { requestIdOf } from './use-request-id.js';

export interface BodyLimitOptions {
  /** Largest request body accepted, bytes; a larger one is answered 413 before it is parsed. */
  maxBytes: number;
}

/** The 413: an answer written here, before Yoga's result hooks, so the request id (useRequestId, earlier) is added here. */
const tooLarge = (maxBytes: number, request: Request) => {
  const requestId = requestIdOf(request);
  return new Response(
    JSON.stringify({
      errors: [
        {
          message: `Request body is larger than ${maxBytes} bytes.`,
          extensions: { code: 'BAD_USER_INPUT', ...(requestId === undefined ? {} : { requestId }) },
        },
      ],
    }),
    { status: 413, headers: { 'content-type': 'application/json' } },
  );
};

/** Refuses request bodies over a size: by Content-Length when declared, else while reading a chunked body. */
export function useBodyLimit(options: BodyLimitOptions): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, endResponse }) {
      if (request.method !== 'POST') return;
      const declared = Number(request.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        endResponse(tooLarge(options.maxBytes, request));
        return;
      }
      if (!requestParser || request.headers.has('content-length')) return;
      setRequestParser(async (incoming) => {
        let size = 0;
        const chunks: Uint8Array[] = [];
        const reader = incoming.body?.getReader();
        for (;;) {
          const next = await reader?.read();
          if (!next || next.done) break;
          size += next.value.byteLength;
          if (size > options.maxBytes) {
            await reader?.cancel();
            return tooLarge(options.maxBytes, request);
          }
          chunks.push(next.value);
        }
        return requestParser(
          new Request(incoming.url, { method: 'POST', headers: incoming.headers, body: Buffer.concat(chunks) }),
        );
      });
    },
  };
}

import { type GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';

/**
 * Runs a child read; when its source fails, answers `fallback` and records the error at this field's path, so one
 * source's failure does not null out a list that holds the other source's contacts too. Other errors propagate.
 */
export async function orPartial<T>(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  fallback: T,
  read: () => Promise<T> | T,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof GatewayError) || !error.source) throw error;
    ctx.partialErrors.push(
      createGraphQLError(error.message, {
        path: responsePathAsArray(info.path),
        extensions: { code: error.code, source: error.source },
      }),
    );
    return fallback;
  }
}

/** Records a source's failure for an answer that carries on without that source (a list page, a person). */
export function recordPartial(
  ctx: GatewayContext,
  path: (string | number)[],
  error: GatewayError,
  consequence = 'Its contacts are missing from this page.',
): void {
  ctx.partialErrors.push(
    createGraphQLError(`${error.message} ${consequence}`, {
      path,
      extensions: { code: error.code, ...(error.source ? { source: error.source } : {}) },
    }),
  );
}

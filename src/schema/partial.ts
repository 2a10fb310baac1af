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

/** Records a source's failure for a list that carries on without that source. */
export function recordPartial(ctx: GatewayContext, path: (string | number)[], error: GatewayError): void {
  ctx.partialErrors.push(
    createGraphQLError(`${error.message} Its contacts are missing from this page.`, {
      path,
      extensions: { code: error.code, ...(error.source ? { source: error.source } : {}) },
    }),
  );
}

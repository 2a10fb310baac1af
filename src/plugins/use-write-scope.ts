// Writes need a caller allowed to write (issue 12): a mutation from a caller without the `contacts:write` scope is
// refused before it executes, so it costs no upstream call.
import { getOperationAST } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { WRITE_SCOPE } from '../defaults.js';
import type { CallerContext } from './use-gateway-auth.js';

export interface WriteScopeOptions {
  /**
   * Whether callers authenticate (useGatewayAuth is installed). False (the demo, GATEWAY_AUTH=disabled): every caller
   * may write. True: only a `caller` whose `canWrite` is set may; a request without a caller is refused (fail closed).
   */
  authEnabled: boolean;
}

/**
 * Refuses a mutation operation of a caller without the write scope with a GraphQL error, code FORBIDDEN, HTTP 403,
 * before execution. Queries (and subscriptions) are left alone. Reads `context.caller`, which useGatewayAuth sets:
 * install this plugin after it.
 */
export function useWriteScope(options: WriteScopeOptions): Plugin<CallerContext> {
  return {
    onExecute({ args }) {
      if (!options.authEnabled) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const caller = (args.contextValue as CallerContext | undefined)?.caller;
      if (caller?.canWrite) return;
      throw createGraphQLError(
        caller === undefined
          ? 'Writes need a caller allowed to write.'
          : caller.via === 'jwt'
            ? `Writes need a token whose scope holds ${WRITE_SCOPE}.`
            : 'Writes need an API key with write access; this one may only read.',
        { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
      );
    },
  };
}

import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Where resolvers leave errors for data they still answered in part (one source failed, the other did not). */
export interface PartialErrorsContext {
  partialErrors: GraphQLError[];
}

/**
 * Adds the errors resolvers recorded beside the data they kept: a list across sources loses one source's records,
 * not the whole answer. Each recorded error carries its path, `code` and `source`.
 */
export function usePartialErrors(): Plugin<PartialErrorsContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const recorded = (args.contextValue as Partial<PartialErrorsContext>).partialErrors;
          if (!recorded?.length || !('data' in result)) return;
          setResult({ ...result, errors: [...(result.errors ?? []), ...recorded] });
        },
      };
    },
  };
}

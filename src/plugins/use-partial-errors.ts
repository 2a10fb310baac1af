import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Where resolvers leave errors for data they still answered in part (one source failed, the other did not). */
export interface PartialErrorsContext {
  partialErrors: GraphQLError[];
}

/** One part of an incremental (@defer/@stream) answer, in the format Yoga sends (deferSpec=20220824). */
interface IncrementalPart {
  data?: unknown;
  errors?: readonly GraphQLError[];
  hasNext?: boolean;
  incremental?: { path?: readonly (string | number)[]; errors?: readonly GraphQLError[] }[];
}

/** Whether `prefix` is where `path` starts. */
const startsWith = (path: readonly (string | number)[], prefix: readonly (string | number)[]) =>
  prefix.length <= path.length && prefix.every((key, index) => path[index] === key);

/**
 * Adds the errors resolvers recorded beside the data they kept: a list across sources loses one source's records,
 * not the whole answer. Each recorded error carries its path, `code` and `source`. An incremental answer gets each
 * error once, in the first part sent after it was recorded: in the initial part's `errors`, or in the `errors` of the
 * delivered (deferred or streamed) part that holds its path, where clients such as Apollo Client read them.
 */
export function usePartialErrors(): Plugin<PartialErrorsContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const recorded = () => (args.contextValue as Partial<PartialErrorsContext>).partialErrors ?? [];
          if (Symbol.asyncIterator in result) {
            let sent = 0;
            return {
              onNext({ result: part, setResult: setPart }) {
                const fresh = recorded().slice(sent);
                if (fresh.length === 0) return;
                sent += fresh.length;
                setPart(withErrors(part as IncrementalPart, fresh) as typeof part);
              },
            };
          }
          const errors = recorded();
          if (!errors.length || !('data' in result)) return undefined;
          setResult({ ...result, errors: [...(result.errors ?? []), ...errors] });
          return undefined;
        },
      };
    },
  };
}

function withErrors(part: IncrementalPart, errors: readonly GraphQLError[]): IncrementalPart {
  const items = part.incremental;
  if (!items?.length) return { ...part, errors: [...(part.errors ?? []), ...errors] };
  const incremental = items.map((item) => ({ ...item }));
  for (const error of errors) {
    const path = error.path ?? [];
    // The item with the longest path that holds the error's path; else the first one.
    let home = incremental[0] as (typeof incremental)[number];
    let depth = -1;
    for (const item of incremental) {
      const at = item.path ?? [];
      if (at.length > depth && startsWith(path, at)) {
        home = item;
        depth = at.length;
      }
    }
    home.errors = [...(home.errors ?? []), error];
  }
  return { ...part, incremental };
}

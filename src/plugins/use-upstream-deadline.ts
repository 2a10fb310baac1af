import type { Plugin } from 'graphql-yoga';

/** Where the context factory leaves the request's upstream deadline (src/upstream/http/deadline.ts). */
export interface UpstreamDeadlineContext {
  /** `at`: when the request's upstream budget ends, epoch ms. */
  upstreamDeadline: { readonly at: number; dispose(): void };
}

/**
 * Releases a request's upstream deadline (its timer, and its listener on the gateway's stop signal) as soon as the
 * execution is done, so nothing of a finished request waits out its budget. A streamed result releases it at its end.
 */
export function useUpstreamDeadline(): Plugin<UpstreamDeadlineContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result }) {
          const dispose = () => (args.contextValue as Partial<UpstreamDeadlineContext>).upstreamDeadline?.dispose();
          if (Symbol.asyncIterator in result) return { onEnd: dispose };
          dispose();
          return undefined;
        },
      };
    },
  };
}

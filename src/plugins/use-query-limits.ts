import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { Plugin } from 'graphql-yoga';
import { QUERY_LIMITS } from '../defaults.js';

export interface QueryLimits {
  /** Deepest selection nesting (fragments flattened). */
  depth: number;
  /** Most aliases in one operation. */
  aliases: number;
  /** Most lexer tokens in one document: bounds parsing work. */
  tokens: number;
  /** Most directives in one operation. */
  directives: number;
  /** Highest cost (src/schema: every field that can cost an upstream call is priced); checked by Pothos. */
  cost: number;
}

export const DEFAULT_LIMITS: QueryLimits = QUERY_LIMITS;

/**
 * GraphQL Armor's document limits, run at parse and validation: a refused operation reaches no resolver. Field
 * suggestions are blocked too.
 */
export function useQueryLimits(limits: QueryLimits): Plugin[] {
  // A refusal names the limit, so a client can fix its query.
  const common = { exposeLimits: true, propagateOnRejection: true } as const;
  return [
    maxTokensPlugin({ n: limits.tokens, ...common }),
    maxDepthPlugin({ n: limits.depth, flattenFragments: true, ignoreIntrospection: true, ...common }),
    maxAliasesPlugin({ n: limits.aliases, ...common }),
    maxDirectivesPlugin({ n: limits.directives, ...common }),
    // "Did you mean …?" would let anyone map the schema by guessing.
    blockFieldSuggestionsPlugin(),
  ] as Plugin[];
}

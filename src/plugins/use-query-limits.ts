import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { Plugin } from 'graphql-yoga';
import { QUERY_LIMITS, QUERY_MAX_EXPANDED_FIELDS, QUERY_MAX_NESTING } from '../defaults.js';
import { useExpansionLimit } from './use-expansion-limit.js';
import { useNestingLimit } from './use-nesting-limit.js';
import { useNoSuggestions } from './use-no-suggestions.js';

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
  /** Most fields a document holds once its fragments are spread: bounds validation and compilation work. */
  expandedFields: number;
  /** Deepest nesting of the query text's brackets and of the variables' lists and objects: bounds recursion. */
  nesting: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  ...QUERY_LIMITS,
  expandedFields: QUERY_MAX_EXPANDED_FIELDS,
  nesting: QUERY_MAX_NESTING,
};

/**
 * The document limits: nesting when the request's parameters are read, tokens while parsing, the expanded size right
 * after parsing, then depth, aliases and directives (GraphQL Armor) at validation; a refused operation reaches no
 * resolver. No error suggests a name of the schema.
 */
export function useQueryLimits(limits: QueryLimits): Plugin[] {
  // A refusal names the limit, so a client can fix its query.
  const common = { exposeLimits: true, propagateOnRejection: true } as const;
  return [
    useNestingLimit({ maxDepth: limits.nesting }),
    maxTokensPlugin({ n: limits.tokens, ...common }),
    useExpansionLimit({ maxFields: limits.expandedFields }),
    maxDepthPlugin({ n: limits.depth, flattenFragments: true, ignoreIntrospection: true, ...common }),
    maxAliasesPlugin({ n: limits.aliases, ...common }),
    maxDirectivesPlugin({ n: limits.directives, ...common }),
    // "Did you mean …?" would let anyone map the schema by guessing.
    useNoSuggestions(),
  ] as Plugin[];
}

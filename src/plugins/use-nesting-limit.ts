import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface NestingLimitOptions {
  /**
   * Deepest nesting accepted, counted the same way in the query text (brackets `{ [ (`, outside strings and comments)
   * and in the JSON of `variables` and `extensions` (lists and objects). Parsing, validating, coercing and keying a
   * request all recurse over its nesting: 20,000 levels fit in 40 KB and overflow the stack. Must leave room for the
   * deepest selection the depth limit allows (a selection level is one `{`, its arguments one `(` more).
   */
  maxDepth: number;
}

const refuse = (message: string) =>
  createGraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/** Nesting of lists and objects in a JSON value, measured without recursion and given up past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') pending.push([child, level]);
    }
  }
  return deepest;
}

/**
 * Nesting of `{ [ (` in GraphQL source text, skipping strings, block strings and comments; a lexer's view without
 * building tokens, given up past `limit`. Unbalanced text is left for the parser to refuse.
 */
export function textDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b || c === 0x28) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      if (depth > 0) depth -= 1;
    } else if (c === 0x23) {
      // # comment, to the end of the line
      while (i + 1 < text.length && text[i + 1] !== '\n' && text[i + 1] !== '\r') i++;
    } else if (c === 0x22) {
      if (text.startsWith('"""', i)) {
        // Block string: ends at the next unescaped """.
        i += 3;
        while (i < text.length && !(text.startsWith('"""', i) && text[i - 1] !== '\\')) i++;
        i += 2;
      } else {
        i += 1;
        while (i < text.length && text[i] !== '"' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '\\') i++;
          i++;
        }
      }
    }
  }
  return deepest;
}

/**
 * Refuses a request nested deeper than `maxDepth`, in its query text or in its variables or extensions, before anyone
 * recurses over it (the request's key for operation dedupe, the parser, variable coercion, graphql-jit):
 * BAD_USER_INPUT, HTTP 400, instead of a stack overflow answered as a 500. Every real document and variable set of
 * this schema is a few levels deep.
 */
export function useNestingLimit(options: NestingLimitOptions): Plugin {
  const { maxDepth } = options;
  return {
    onParams({ params }) {
      const { query, variables, extensions } = params as { query?: unknown; variables?: unknown; extensions?: unknown };
      if (typeof query === 'string' && textDepth(query, maxDepth) > maxDepth) {
        throw refuse(`The query is nested deeper than ${maxDepth} levels.`);
      }
      if (jsonDepth(variables, maxDepth) > maxDepth) {
        throw refuse(`The variables are nested deeper than ${maxDepth} levels.`);
      }
      if (jsonDepth(extensions, maxDepth) > maxDepth) {
        throw refuse(`The extensions are nested deeper than ${maxDepth} levels.`);
      }
    },
  };
}

import { createGraphQLError, type Plugin } from 'graphql-yoga';

/** A lone surrogate: half of a UTF-16 pair without its other half, which no Unicode text contains. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first string (value or key) in a JSON value that is not Unicode text, found without recursion. */
export function findLoneSurrogate(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const node = pending.pop();
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node)) return node;
    } else if (Array.isArray(node)) {
      pending.push(...node);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (LONE_SURROGATE.test(key)) return key;
        pending.push(child);
      }
    }
  }
  return undefined;
}

/**
 * GraphQL strings are Unicode text: the parser refuses a lone surrogate in the query (`"\ud800"`), and this refuses
 * one in the JSON of `variables` or in `operationName` the same way, with BAD_USER_INPUT and HTTP 400, before a
 * resolver sees it. Otherwise it would reach an upstream as U+FFFD (UTF-8 cannot encode it) or fail an encoder as a
 * 500. No options: there is nothing to configure.
 */
export function useUnicodeInput(): Plugin {
  return {
    onParams({ params }) {
      const { variables, operationName } = params as { variables?: unknown; operationName?: unknown };
      if (typeof operationName === 'string' && LONE_SURROGATE.test(operationName)) {
        throw createGraphQLError('"operationName" is not valid Unicode text (it holds a lone surrogate).', {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
      if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) return;
      for (const [name, value] of Object.entries(variables)) {
        if (LONE_SURROGATE.test(name) || findLoneSurrogate(value) !== undefined) {
          throw createGraphQLError(
            `Variable "$${name.replace(new RegExp(LONE_SURROGATE, 'g'), '\uFFFD')}" is not valid Unicode text (it holds a lone surrogate).`,
            { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
          );
        }
      }
    },
  };
}

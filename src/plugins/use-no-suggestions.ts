import type { Plugin } from 'graphql-yoga';

/** graphql-js's hints: `Did you mean "contacts"?`, `Did you mean the enum value "INTERCOM"?`, `… or "b"?`. */
const SUGGESTION = /\s*Did you mean\b[^?]*\?/g;
const HINTED = /Did you mean\b/;

/** `message` without any "Did you mean …?" hint. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * Rewrites the message in place: errors come from graphql-js, graphql-jit and Yoga, whose GraphQLError classes may be
 * different copies (ESM and CommonJS), so the error is kept as it is, extensions and locations included.
 */
function scrub(error: unknown): void {
  if (error === null || typeof error !== 'object' || !('message' in error)) return;
  const { message } = error;
  if (typeof message === 'string' && HINTED.test(message)) {
    (error as { message: string }).message = withoutSuggestions(message);
  }
}

/**
 * No error names a schema member the caller did not write: "Did you mean …?" would let anyone map the schema by
 * guessing, whether it suggests a field, an argument, a type, an input field or an enum value, in the document or in
 * its variables. Validation is asked for no suggestions (graphql-js's `hideSuggestions`, which also saves computing
 * them), and every answer's error messages lose any hint left, whoever wrote it (variable coercion, graphql-jit, a
 * plugin). Nothing to configure.
 */
export function useNoSuggestions(): Plugin {
  return {
    onValidate({ validateFn, setValidationFn }) {
      setValidationFn((schema, document, rules, options, typeInfo) =>
        validateFn(schema, document, rules, { ...options, hideSuggestions: true }, typeInfo),
      );
    },
    onResultProcess({ result }) {
      for (const single of Array.isArray(result) ? result : [result]) {
        if (single && typeof single === 'object' && 'errors' in single && Array.isArray(single.errors)) {
          for (const error of single.errors) scrub(error);
        }
      }
    },
  };
}

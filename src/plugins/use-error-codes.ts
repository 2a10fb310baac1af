import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { ErrorCode } from '../errors.js';

export const CONTRACT_CODES: ReadonlySet<string> = new Set<string>([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'SOURCE_NOT_CONFIGURED',
  'UPSTREAM_UNAUTHORIZED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_BAD_RESPONSE',
  'INTERNAL_SERVER_ERROR',
] satisfies ErrorCode[]);

/** The contract's code for an error whose code is Yoga's or a plugin's own (or missing). */
export function publicCode(error: GraphQLError): ErrorCode {
  // graphql-jit's errors may come without extensions at all.
  const extensions = error.extensions ?? {};
  const code = extensions.code;
  if (typeof code === 'string' && CONTRACT_CODES.has(code)) return code as ErrorCode;
  const status = (extensions.http as { status?: number } | undefined)?.status;
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status !== undefined && status >= 500) return 'INTERNAL_SERVER_ERROR';
  // At a field's path without a code of its own: the answer could not be completed there (a value no output scalar
  // could write, under graphql-jit), never the caller's fault.
  if (error.path?.length) return 'INTERNAL_SERVER_ERROR';
  // Parse, validation, variables, limits: the request itself is at fault.
  return 'BAD_USER_INPUT';
}

function recode(error: unknown): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const code = publicCode(error);
  const original = error.extensions?.originalError as { name?: unknown; message?: unknown } | undefined;
  // Yoga's `originalError` on a request it could not read (a body that is not JSON) quotes the caller's own input in
  // its message: only its name is kept. (Its presence is what makes Yoga answer such a request 400, not 200.)
  const quotes = original !== undefined && !(original instanceof GraphQLError) && original.message !== error.message;
  if (code === error.extensions?.code && !quotes) return error;
  return createGraphQLError(error.message, {
    nodes: error.nodes ?? null,
    path: error.path ?? null,
    extensions: {
      ...(error.extensions ?? {}),
      code,
      ...(quotes ? { originalError: { name: String(original.name ?? 'Error'), message: error.message } } : {}),
    },
  });
}

/**
 * Every error a client sees carries `extensions.code` from the contract's list: clients branch on one set of codes
 * whether Yoga, GraphQL Armor, the JWT plugin or a resolver refused them.
 */
export function useErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const fix = (single: { errors?: readonly unknown[] }) =>
        single.errors?.length ? { ...single, errors: single.errors.map(recode) } : single;
      if (Array.isArray(result)) setResult(result.map(fix) as typeof result);
      else if (result && typeof result === 'object' && 'errors' in result) setResult(fix(result) as typeof result);
    },
  };
}

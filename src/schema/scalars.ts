import { GraphQLScalarType } from 'graphql';
import {
  CountryCodeResolver,
  DateTimeResolver,
  JSONObjectResolver,
  LatitudeResolver,
  LocalDateResolver,
  LongitudeResolver,
  URLResolver,
} from 'graphql-scalars';
import { jsonObject } from '../values.js';
import { builder } from './builder.js';

// The contract's scalars, from graphql-scalars. Mappers only hand them values that pass (src/values.ts), so a messy
// upstream value is null in the answer without an error. What is left here is the last line for a value that still
// fails an output scalar, which is a bug of ours: an INTERNAL_SERVER_ERROR at its path whose message names the scalar
// and never the value. Without it graphql-scalars' own error reached callers as BAD_USER_INPUT, quoting the upstream
// value ("Value is not a valid country code: EU"). Inputs (arguments, variables) keep graphql-scalars' behaviour: a
// bad input is the caller's.

/** Thrown by a guarded output serialiser: our message, no value. */
export class UnrepresentableValue extends Error {
  constructor(scalar: string) {
    super(`A value from a source could not be represented as ${scalar}.`);
    this.name = 'UnrepresentableValue';
  }
}

/**
 * `scalar` with an output serialiser that never blames the caller or quotes the value: a value it rejects throws
 * {@link UnrepresentableValue}. graphql-js hands it to Yoga's masking ("Unexpected error.", logged); graphql-jit keeps
 * only its message; both answer INTERNAL_SERVER_ERROR (src/plugins/use-error-codes.ts). `clean` runs first.
 */
export function guardedOutput(scalar: GraphQLScalarType, clean?: (value: unknown) => unknown): GraphQLScalarType {
  const config = scalar.toConfig();
  const serialize = config.serialize;
  return new GraphQLScalarType({
    ...config,
    serialize(value) {
      try {
        return serialize(clean ? clean(value) : value);
      } catch {
        throw new UnrepresentableValue(scalar.name);
      }
    },
  });
}

/** `value` when `scalar` can write it, else null: for nullable fields, where a bad value is null without an error. */
export function representable<T>(scalar: GraphQLScalarType, value: T | null | undefined): T | null {
  if (value === null || value === undefined) return null;
  try {
    scalar.serialize(value);
    return value;
  } catch {
    return null;
  }
}

builder.addScalarType('DateTime', guardedOutput(DateTimeResolver));
builder.addScalarType('LocalDate', guardedOutput(LocalDateResolver));
// Nesting is cut at MAX_JSON_DEPTH here too (jsonObject is the same object when nothing is cut), so no JSONObject
// field can make the answer too deep to write.
builder.addScalarType(
  'JSONObject',
  guardedOutput(JSONObjectResolver, (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? jsonObject(value) : value,
  ),
);
builder.addScalarType('URL', guardedOutput(URLResolver));
builder.addScalarType('CountryCode', guardedOutput(CountryCodeResolver));
builder.addScalarType('Latitude', guardedOutput(LatitudeResolver));
builder.addScalarType('Longitude', guardedOutput(LongitudeResolver));

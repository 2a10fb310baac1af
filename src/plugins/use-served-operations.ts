import type { ValidationRule } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * Validation rule: every operation must be of a type the schema serves. graphql-js 16 only finds out at execution
 * ("Schema is not configured to execute mutation operation"), and graphql-jit's compiler throws a plain Error there,
 * which answers 500 INTERNAL_SERVER_ERROR; as a validation error it is the client's mistake like any other.
 */
export const ServedOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(
      createGraphQLError(`This gateway does not serve ${node.operation} operations.`, { nodes: node }),
    );
  },
});

/**
 * Refuses `mutation` and `subscription` operations (any operation type without a root type in the schema) at
 * validation, with the other validation errors: BAD_USER_INPUT, and HTTP 400 under
 * `application/graphql-response+json`. Nothing to configure.
 */
export function useServedOperations(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(ServedOperationTypesRule);
    },
  };
}

import { type DocumentNode, type ExecutionResult, GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { publicCode } from './use-error-codes.js';
import { requestIdOf } from './use-request-id.js';

/** How an operation ended: no error, data with errors, or no data. */
export type Outcome = 'ok' | 'partial' | 'error';

/** One GraphQL request as logs, metrics and traces see it. Names and codes only: no document, variable or value. */
export interface OperationRecord {
  readonly request: Request;
  /** From useRequestId; '' when that plugin is not installed. */
  readonly requestId: string;
  /** performance.now() when the request arrived, ms. */
  readonly startedAt: number;
  /** The operation's name as its document spells it (a GraphQL name); undefined when anonymous or never parsed. */
  name: string | undefined;
  /** undefined when the request was refused before its document was read. */
  type: 'query' | 'mutation' | 'subscription' | undefined;
  /** Distinct contract codes (extensions.code) of the answer's errors, in order of first appearance. */
  codes: string[];
  outcome: Outcome;
  /** The HTTP status answered (set at the end). */
  status: number;
  /** From arrival to the response's headers, ms (for @defer/@stream: to the first part). */
  durationMs: number;
  /** Set once the GraphQL layer produced an answer (a result, or a refusal as a GraphQL error). */
  answered: boolean;
  /**
   * Set at the end: false for what is not a GraphQL answer (GraphiQL's page on the endpoint's path), which logs and
   * metrics leave out; true for answers and for requests refused before the GraphQL layer (413, 405: outcome error).
   */
  operation: boolean;
}

export interface OperationRecordOptions {
  /** Called when a GraphQL request arrives (before auth). */
  onStart?: ((record: OperationRecord) => void) | undefined;
  /** Called once its response is ready, for every request onStart saw (see `operation`). */
  onEnd: (record: OperationRecord) => void;
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

type Single = ExecutionResult & { errors?: readonly unknown[] };

function collect(record: OperationRecord, result: unknown): void {
  const singles = (Array.isArray(result) ? result : [result]) as Single[];
  let data = false;
  let errors = false;
  for (const single of singles) {
    if (!single || typeof single !== 'object' || !('data' in single || 'errors' in single)) continue;
    if (single.data) data = true;
    for (const error of single.errors ?? []) {
      errors = true;
      const code = error instanceof GraphQLError ? publicCode(error) : 'INTERNAL_SERVER_ERROR';
      if (!record.codes.includes(code)) record.codes.push(code);
    }
  }
  record.outcome = errors ? (data ? 'partial' : 'error') : 'ok';
}

/**
 * Follows each GraphQL request from arrival to response and hands its record to `onEnd`: the one place that works
 * out the operation's name, type, error codes, outcome, status and duration, for the log line, the metrics and the
 * trace. Cost: a WeakMap entry and a few property writes per request.
 */
export function useOperationRecord(options: OperationRecordOptions): Plugin {
  const records = new WeakMap<Request, OperationRecord>();
  let endpoint = '/graphql';
  /** The operation the document runs, once known: its type and name (the document's own name wins). */
  const name = (args: { contextValue: unknown; document: DocumentNode; operationName?: string | null }) => {
    const request = (args.contextValue as { request?: Request }).request;
    const record = request && records.get(request);
    if (!record) return;
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return;
    record.type = operation.operation;
    record.name = operation.name?.value;
  };
  return {
    onYogaInit({ yoga }) {
      endpoint = yoga.graphqlEndpoint;
    },
    onRequest({ request, url }) {
      if (url.pathname !== endpoint) return;
      const record: OperationRecord = {
        request,
        requestId: requestIdOf(request) ?? '',
        startedAt: performance.now(),
        name: undefined,
        type: undefined,
        codes: [],
        outcome: 'ok',
        status: 0,
        durationMs: 0,
        answered: false,
        operation: true,
      };
      records.set(request, record);
      options.onStart?.(record);
    },
    onParams({ request, params }) {
      const record = records.get(request);
      // The name the caller asked for; the document's own (onExecute) wins once known.
      // A batch item may be anything (`null`, a number): only an object has an operation name.
      if (record && record.name === undefined && typeof params?.operationName === 'string') {
        if (GRAPHQL_NAME.test(params.operationName)) record.name = params.operationName;
      }
    },
    onExecute({ args }) {
      name(args);
    },
    // Subscriptions are not executed but subscribed: named the same way.
    onSubscribe({ args }) {
      name(args);
    },
    onResultProcess({ request, result }) {
      const record = records.get(request);
      if (!record) return;
      record.answered = true;
      collect(record, result);
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record) return;
      records.delete(request);
      record.status = response.status;
      if (!record.answered) {
        record.operation = response.status >= 400;
        record.outcome = 'error';
      }
      record.durationMs = performance.now() - record.startedAt;
      options.onEnd(record);
    },
  };
}

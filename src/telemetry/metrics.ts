// The gateway's Prometheus metrics, on a registry of its own (two gateways in one process, as in tests, never share
// series). Labels hold names, route templates, statuses and codes only: never a URL, token, id or value.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS } from '../defaults.js';
import type { OperationRecord } from '../plugins/use-operation-record.js';
import type { UpstreamCallEvent, UpstreamObserver } from '../upstream/http/observer.js';
import type { GatewayHealth } from '../yoga.js';

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
const REDIS_VALUE = { off: 0, ok: 1, down: 2 } as const;

/**
 * Every series the gateway exports (README "Metrics" lists them). `operationEnded` is fed by useOperationRecord,
 * `observer` by the upstream transport; breaker and Redis gauges are read from `health` at each scrape.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #names = new Set<string>();
  readonly #operations: Counter<'operation' | 'type' | 'outcome'>;
  readonly #operationSeconds: Histogram<'operation' | 'type' | 'outcome'>;
  readonly #errors: Counter<'code'>;
  readonly #inFlight: Gauge;
  readonly #calls: Counter<'source' | 'method' | 'route' | 'status' | 'served_by'>;
  readonly #callSeconds: Histogram<'source' | 'method' | 'route' | 'served_by'>;
  readonly #attempts: Counter<'source' | 'method' | 'route' | 'status' | 'code'>;
  readonly #retries: Counter<'source' | 'route' | 'reason'>;
  readonly #rateLimitWaits: Counter<'source' | 'result'>;
  readonly #rateLimitSeconds: Counter<'source'>;
  readonly #circuitTransitions: Counter<'source' | 'state'>;

  /** `health` is read at each scrape for the circuit and Redis gauges. */
  constructor(health: () => GatewayHealth) {
    const registers = [this.registry];
    // Heap, event-loop lag, CPU, handles: what an operator of a fleet looks at first.
    collectDefaultMetrics({ register: this.registry });
    const labels = ['operation', 'type', 'outcome'] as const;
    this.#operations = new Counter({
      name: 'gateway_operations_total',
      help: 'GraphQL operations answered, by operation name (capped; the rest "other"), type and outcome (ok, partial, error).',
      labelNames: labels,
      registers,
    });
    this.#operationSeconds = new Histogram({
      name: 'gateway_operation_duration_seconds',
      help: 'From arrival to the response headers (first part for @defer/@stream), seconds.',
      labelNames: labels,
      buckets: [...METRICS.operationBuckets],
      registers,
    });
    this.#errors = new Counter({
      name: 'gateway_operation_errors_total',
      help: 'GraphQL errors answered, by contract code (extensions.code).',
      labelNames: ['code'],
      registers,
    });
    this.#inFlight = new Gauge({
      name: 'gateway_requests_in_flight',
      help: 'GraphQL requests arrived and not yet answered.',
      registers,
    });
    this.#calls = new Counter({
      name: 'gateway_upstream_calls_total',
      help: 'Upstream calls as resolvers saw them, by source, method, route template, final status ("none": no answer) and served_by (network, cache, shared).',
      labelNames: ['source', 'method', 'route', 'status', 'served_by'],
      registers,
    });
    this.#callSeconds = new Histogram({
      name: 'gateway_upstream_call_duration_seconds',
      help: 'Upstream call latency, retries and waits included, seconds.',
      labelNames: ['source', 'method', 'route', 'served_by'],
      buckets: [...METRICS.upstreamBuckets],
      registers,
    });
    this.#attempts = new Counter({
      name: 'gateway_upstream_attempts_total',
      help: 'Requests sent upstream (attempts), by status ("none": no answer) and failure code ("none": succeeded).',
      labelNames: ['source', 'method', 'route', 'status', 'code'],
      registers,
    });
    this.#retries = new Counter({
      name: 'gateway_upstream_retries_total',
      help: 'Retries decided after a failed attempt, by reason (rate_limited: a 429 named the wait; failure).',
      labelNames: ['source', 'route', 'reason'],
      registers,
    });
    this.#rateLimitWaits = new Counter({
      name: 'gateway_upstream_rate_limit_waits_total',
      help: 'Calls held back by the rate budget or a learned 429 reset, by result (waited, refused).',
      labelNames: ['source', 'result'],
      registers,
    });
    this.#rateLimitSeconds = new Counter({
      name: 'gateway_upstream_rate_limit_wait_seconds_total',
      help: 'Time calls spent waiting for the rate budget, seconds.',
      labelNames: ['source'],
      registers,
    });
    this.#circuitTransitions = new Counter({
      name: 'gateway_upstream_circuit_transitions_total',
      help: 'Circuit breaker state changes (any credential), by the state entered.',
      labelNames: ['source', 'state'],
      registers,
    });
    new Gauge({
      name: 'gateway_upstream_circuit_state',
      help: "The gateway's own credential's circuit per configured source: 0 closed, 1 half-open, 2 open.",
      labelNames: ['source'],
      registers,
      collect() {
        for (const [source, state] of Object.entries(health().sources)) this.set({ source }, CIRCUIT_VALUE[state]);
      },
    });
    new Gauge({
      name: 'gateway_redis_health',
      help: 'Shared state in Redis: 0 off (not configured), 1 ok, 2 down (serving from memory).',
      registers,
      collect() {
        this.set(REDIS_VALUE[health().redis]);
      },
    });
  }

  /**
   * The label for an operation name: the first 200 distinct names (cut to 64 characters) are kept, later new ones
   * count as `other`; `anonymous` for an unnamed document, `unknown` when none was read (refused before parsing).
   */
  operationLabel(record: OperationRecord): string {
    if (record.name === undefined) return record.type ? 'anonymous' : 'unknown';
    const name = record.name.slice(0, METRICS.operationNameLength);
    if (this.#names.has(name)) return name;
    if (this.#names.size >= METRICS.maxOperationNames) return 'other';
    this.#names.add(name);
    return name;
  }

  operationStarted(): void {
    this.#inFlight.inc();
  }

  /** Counts an ended request (see OperationRecord.operation: what is not a GraphQL answer is not counted). */
  operationEnded(record: OperationRecord): void {
    this.#inFlight.dec();
    if (!record.operation) return;
    const labels = { operation: this.operationLabel(record), type: record.type ?? 'unknown', outcome: record.outcome };
    this.#operations.inc(labels);
    this.#operationSeconds.observe(labels, record.durationMs / 1000);
    for (const code of record.codes) this.#errors.inc({ code });
  }

  /** The transport's hooks feeding the upstream series. */
  observer(): UpstreamObserver {
    const ended = (event: UpstreamCallEvent) => {
      const { source, method, route } = event;
      const served_by = event.servedBy;
      this.#calls.inc({ source, method, route, served_by, status: event.status === null ? 'none' : event.status });
      this.#callSeconds.observe({ source, method, route, served_by }, event.durationMs / 1000);
    };
    return {
      startCall: () => ended,
      attempt: (event) => {
        const { source, method, route } = event;
        const status = event.status === null ? 'none' : event.status;
        this.#attempts.inc({ source, method, route, status, code: event.code ?? 'none' });
      },
      retry: (source, route, _waitMs, rateLimited) =>
        this.#retries.inc({ source, route, reason: rateLimited ? 'rate_limited' : 'failure' }),
      rateLimitWait: (source, waitMs, refused) => {
        this.#rateLimitWaits.inc({ source, result: refused ? 'refused' : 'waited' });
        if (waitMs > 0) this.#rateLimitSeconds.inc({ source }, waitMs / 1000);
      },
      breaker: (source, state) => this.#circuitTransitions.inc({ source, state }),
    };
  }
}

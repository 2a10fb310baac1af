import type { ChangeScope } from './events/scope.js';
import type { CallerContext } from './plugins/use-gateway-auth.js';
import type { OperationDedupeContext } from './plugins/use-operation-dedupe.js';
import type { PartialErrorsContext } from './plugins/use-partial-errors.js';
import type { UpstreamDeadlineContext } from './plugins/use-upstream-deadline.js';
import type { Sources } from './sources.js';
import type { WriteScope } from './writes/outcome.js';

/** What every resolver sees. Made per request by the gateway's context factory (src/yoga.ts). */
export interface GatewayContext
  extends PartialErrorsContext,
    OperationDedupeContext,
    UpstreamDeadlineContext,
    CallerContext {
  sources: Sources;
  /** What mutations write through: the request's writers, the idempotency store, the caller. */
  writes: WriteScope;
  /** Region for phone numbers written without a country code (filters, person lookups). */
  defaultRegion: string | undefined;
  /** The highest query cost allowed (see src/plugins/use-query-limits.ts). */
  maxCost: number;
  /** The change stream: the bus, this request's credentials and fresh per-event reads (src/events/scope.ts). */
  changes: ChangeScope;
}

import type { OperationDedupeContext } from './plugins/use-operation-dedupe.js';
import type { PartialErrorsContext } from './plugins/use-partial-errors.js';
import type { UpstreamDeadlineContext } from './plugins/use-upstream-deadline.js';
import type { Sources } from './sources.js';

/** What every resolver sees. Made per request by the gateway's context factory (src/yoga.ts). */
export interface GatewayContext extends PartialErrorsContext, OperationDedupeContext, UpstreamDeadlineContext {
  sources: Sources;
  /** Region for phone numbers written without a country code (filters, person lookups). */
  defaultRegion: string | undefined;
  /** The highest query cost allowed (see src/plugins/use-query-limits.ts). */
  maxCost: number;
}

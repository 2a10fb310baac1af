// What readiness and the metrics report of a gateway's dependencies.
import type { GatewayHealth } from '../yoga.js';

/** The body of GET /readiness. */
export interface Readiness extends GatewayHealth {
  /** `ready`: route traffic here; `unready`: a circuit is open, Redis is down (when configured) or the process stops. */
  status: 'ready' | 'unready';
  /** Set when the process is stopping (SIGTERM): it finishes what it has and takes nothing new. */
  stopping?: true;
}

/** Ready when no configured source's circuit is open, Redis (when configured) answers and the process is not stopping. */
export function readiness(health: GatewayHealth, stopping: boolean): Readiness {
  const open = Object.values(health.sources).includes('open');
  const ready = !stopping && !open && health.redis !== 'down';
  return { status: ready ? 'ready' : 'unready', ...(stopping ? { stopping: true } : {}), ...health };
}

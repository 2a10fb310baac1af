// Metrics and traces both watch the transport: it takes one observer.
import type { UpstreamObserver } from '../upstream/http/observer.js';

/** One observer calling each of `observers` in turn (undefined when there are none: the transport then skips all). */
export function combineObservers(observers: (UpstreamObserver | undefined)[]): UpstreamObserver | undefined {
  const all = observers.filter((observer): observer is UpstreamObserver => observer !== undefined);
  if (all.length <= 1) return all[0];
  return {
    startCall(source, method, route) {
      const ends = all.map((observer) => observer.startCall?.(source, method, route));
      return (event) => {
        for (const end of ends) end?.(event);
      };
    },
    attempt: (event) => {
      for (const observer of all) observer.attempt?.(event);
    },
    retry: (source, route, waitMs, rateLimited) => {
      for (const observer of all) observer.retry?.(source, route, waitMs, rateLimited);
    },
    rateLimitWait: (source, waitMs, refused) => {
      for (const observer of all) observer.rateLimitWait?.(source, waitMs, refused);
    },
    breaker: (source, state) => {
      for (const observer of all) observer.breaker?.(source, state);
    },
  };
}

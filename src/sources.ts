import { GatewayError } from './errors.js';
import { SOURCES, type Source } from './model.js';
import type { SourceConnector } from './upstream/connector.js';

/**
 * One request's per-source objects (connectors, writers), each made by its factory the first time it is asked for:
 * a request that reads one source, or none, makes nothing for the other. Asking for a source with no factory (not
 * configured) is SOURCE_NOT_CONFIGURED.
 */
export class BySource<T> {
  readonly #made: Partial<Record<Source, T>> = {};

  constructor(private readonly factories: Partial<Record<Source, () => T>>) {}

  isConfigured(source: Source): boolean {
    return this.factories[source] !== undefined;
  }

  get(source: Source): T {
    const made = this.#made[source];
    if (made) return made;
    const factory = this.factories[source];
    if (!factory) throw GatewayError.notConfigured(source);
    const value = factory();
    this.#made[source] = value;
    return value;
  }
}

/** The connectors of one request, by source (see BySource). */
export class Sources extends BySource<SourceConnector> {
  /** Configured sources, in the contract's order (the order lists walk them in). */
  configured(): Source[] {
    return SOURCES.filter((source) => this.isConfigured(source));
  }

  of(record: { source: Source }): SourceConnector {
    return this.get(record.source);
  }
}

import { GatewayError } from './errors.js';
import { SOURCES, type Source } from './model.js';
import type { SourceConnector } from './upstream/connector.js';

/**
 * The connectors of one request, by source, each made the first time it is asked for (a request that reads one source,
 * or none, makes no loaders for the other); asking for an unconfigured one is SOURCE_NOT_CONFIGURED.
 */
export class Sources {
  readonly #made: Partial<Record<Source, SourceConnector>> = {};

  constructor(private readonly factories: Partial<Record<Source, () => SourceConnector>>) {}

  isConfigured(source: Source): boolean {
    return this.factories[source] !== undefined;
  }

  /** Configured sources, in the contract's order (the order lists walk them in). */
  configured(): Source[] {
    return SOURCES.filter((source) => this.isConfigured(source));
  }

  get(source: Source): SourceConnector {
    const made = this.#made[source];
    if (made) return made;
    const factory = this.factories[source];
    if (!factory) throw GatewayError.notConfigured(source);
    const connector = factory();
    this.#made[source] = connector;
    return connector;
  }

  of(record: { source: Source }): SourceConnector {
    return this.get(record.source);
  }
}

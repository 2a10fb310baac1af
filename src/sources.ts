import { GatewayError } from './errors.js';
import { SOURCES, type Source } from './model.js';
import type { SourceConnector } from './upstream/connector.js';

/** The connectors of one request, by source; asking for an unconfigured one is SOURCE_NOT_CONFIGURED. */
export class Sources {
  constructor(private readonly connectors: Partial<Record<Source, SourceConnector>>) {}

  isConfigured(source: Source): boolean {
    return this.connectors[source] !== undefined;
  }

  /** Configured sources, in the contract's order (the order lists walk them in). */
  configured(): Source[] {
    return SOURCES.filter((source) => this.isConfigured(source));
  }

  get(source: Source): SourceConnector {
    const connector = this.connectors[source];
    if (!connector) throw GatewayError.notConfigured(source);
    return connector;
  }

  of(record: { source: Source }): SourceConnector {
    return this.get(record.source);
  }
}

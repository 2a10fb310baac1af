import { GatewayError } from '../errors.js';
import type { Source } from '../model.js';
import type { SourceWriter } from '../upstream/writer.js';

/**
 * The writers of one request, by source, each made on first use (most requests only read); asking for an unconfigured
 * source is SOURCE_NOT_CONFIGURED.
 */
export class Writers {
  readonly #made: Partial<Record<Source, SourceWriter>> = {};

  constructor(private readonly factories: Partial<Record<Source, () => SourceWriter>>) {}

  get(source: Source): SourceWriter {
    const made = this.#made[source];
    if (made) return made;
    const factory = this.factories[source];
    if (!factory) throw GatewayError.notConfigured(source);
    const writer = factory();
    this.#made[source] = writer;
    return writer;
  }
}

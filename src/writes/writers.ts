import { BySource } from '../sources.js';
import type { SourceWriter } from '../upstream/writer.js';

/** The writers of one request, by source, each made on first use (most requests only read); see BySource. */
export class Writers extends BySource<SourceWriter> {}

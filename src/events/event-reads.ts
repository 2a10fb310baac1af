// The reads of `ContactChange.contact`, shared by the subscribers of one credential for one event: N subscribers who
// want the contact of the same event make one upstream read. Kept only while subscribers are reading that event.

/**
 * Promises of reads keyed by `credential|event id|contact key`: the first subscriber starts the read, the others of
 * the same key join it. An entry is dropped `keepMs` after it settles (by then every subscriber that was not behind has
 * read it; one that was reads again, fresher). At most `maxEntries` are kept: beyond, reads are not shared.
 */
export class EventReads {
  readonly #reads = new Map<string, Promise<unknown>>();

  constructor(
    private readonly keepMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.#reads.size;
  }

  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    const known = this.#reads.get(key);
    if (known) return known as Promise<T>;
    const read = load();
    if (this.#reads.size >= this.maxEntries) return read;
    this.#reads.set(key, read);
    const drop = () => {
      setTimeout(() => this.#reads.delete(key), this.keepMs).unref();
    };
    read.then(drop, drop);
    return read;
  }
}

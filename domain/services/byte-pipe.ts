/**
 * A bounded byte queue from the write pass to the archive upload: the writer
 * waits while `high` bytes are queued; the reader (Archive.putStream) gets
 * the bytes in order, then the end, or the writer's failure as an error.
 * Once the archive is done with it (`close`), writes are dropped, or throw
 * the archive's error.
 */
export class BytePipe implements AsyncIterable<Uint8Array> {
  readonly #high: number;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #failed: { error: unknown } | undefined;
  #closed = false;
  #closeError: unknown;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;

  constructor(high: number) {
    this.#high = high;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#closeError !== undefined) throw this.#closeError;
    if (this.#closed) return;
    this.#queue.push(bytes);
    this.#queued += bytes.length;
    this.#wake();
    while (this.#queued >= this.#high && !this.#closed) {
      await new Promise<void>((resolve) => {
        this.#wakeWriter = resolve;
      });
    }
    if (this.#closeError !== undefined) throw this.#closeError;
  }

  end(): void {
    this.#ended = true;
    this.#wake();
  }

  fail(error: unknown): void {
    this.#failed ??= { error };
    this.#wake();
  }

  /** The reader is done; with an error, later writes throw it. */
  close(error?: unknown): void {
    this.#closed = true;
    if (error !== undefined) this.#closeError ??= error;
    this.#queue = [];
    this.#queued = 0;
    this.#wake();
  }

  #wake(): void {
    const reader = this.#wakeReader;
    const writer = this.#wakeWriter;
    this.#wakeReader = undefined;
    this.#wakeWriter = undefined;
    reader?.();
    writer?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        if (this.#failed) throw this.#failed.error;
        const next = this.#queue.shift();
        if (next !== undefined) {
          this.#queued -= next.length;
          this.#wake();
          yield next;
          continue;
        }
        if (this.#ended || this.#closed) return;
        await new Promise<void>((resolve) => {
          this.#wakeReader = resolve;
        });
      }
    } finally {
      // The reader stopped (done, failed or gone): never leave the writer waiting.
      this.#closed = true;
      this.#queue = [];
      this.#queued = 0;
      this.#wake();
    }
  }
}

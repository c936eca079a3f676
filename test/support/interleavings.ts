/**
 * Deterministic interleavings of concurrent operations, no timers: each
 * operation gets its own view of a ContractLog whose calls first wait at a
 * gate; the driver lets exactly one waiting operation through at a time, as a
 * list of choices says, and waits until it reaches its next gate or ends.
 * forEachInterleaving() enumerates every list of choices (depth first), so
 * every order of the operations' log calls is run once.
 */
import type { Intent } from '#ledger';
import type { AppendedEntry, AppendOptions, ContractLog } from '#services';

/** Which log calls wait at a gate: all of them, or only those whose answer depends on when they run. */
export type Gating = 'every-call' | 'size-and-append';

interface OpState {
  status: 'running' | 'waiting' | 'done';
  release?: () => void;
  /** Called when the operation reaches a gate or ends. */
  notify?: () => void;
  /** The call it waits to make. */
  call?: string;
}

/** One run of some operations under one list of choices; `trace` says who made which call, in order. */
export class Interleaving {
  readonly trace: string[] = [];
  readonly #ops: OpState[] = [];
  readonly #choose: (arity: number) => number;

  constructor(choose: (arity: number) => number) {
    this.#choose = choose;
  }

  /** Runs the operations, each on its own gated view of `log`, under the choices; their outcomes in order. */
  async run<T>(
    log: ContractLog,
    ops: readonly ((log: ContractLog) => Promise<T>)[],
    gating: Gating = 'every-call',
  ): Promise<PromiseSettledResult<T>[]> {
    const outcomes = ops.map((op, i) => {
      const state: OpState = { status: 'running' };
      this.#ops.push(state);
      const settle = () => {
        state.status = 'done';
        state.notify?.();
      };
      // Settled at once (not left rejected while the others run: that would be an unhandled rejection).
      return op(new GatedLog(log, (call) => this.#gate(i, call), gating))
        .then(
          (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
          (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
        )
        .finally(settle);
    });
    await Promise.all(this.#ops.map((_, i) => this.#settled(i)));
    for (;;) {
      const waiting = this.#ops.flatMap((s, i) => (s.status === 'waiting' ? [i] : []));
      if (waiting.length === 0) break;
      const pick = waiting[waiting.length === 1 ? 0 : this.#choose(waiting.length)] as number;
      const state = this.#ops[pick] as OpState;
      this.trace.push(`${pick}:${state.call}`);
      state.status = 'running';
      state.release?.();
      await this.#settled(pick);
    }
    return Promise.all(outcomes);
  }

  #gate(op: number, call: string): Promise<void> {
    const state = this.#ops[op] as OpState;
    return new Promise((resolve) => {
      state.release = resolve;
      state.call = call;
      state.status = 'waiting';
      state.notify?.();
    });
  }

  /** Resolves once the operation waits at a gate or has ended. */
  #settled(op: number): Promise<void> {
    const state = this.#ops[op] as OpState;
    return new Promise((resolve) => {
      if (state.status !== 'running') resolve();
      else state.notify = resolve;
    });
  }
}

/**
 * Calls `run` once for every list of choices, depth first: a choice among n
 * waiting operations is tried with 0..n-1. Answers the number of runs.
 */
export async function forEachInterleaving(run: (interleaving: Interleaving) => Promise<void>): Promise<number> {
  let prefix: number[] = [];
  for (let runs = 1; ; runs++) {
    const trail: { choice: number; arity: number }[] = [];
    const choose = (arity: number) => {
      const choice = prefix[trail.length] ?? 0;
      trail.push({ choice, arity });
      return choice;
    };
    await run(new Interleaving(choose));
    let k = trail.length - 1;
    while (k >= 0 && (trail[k] as { choice: number; arity: number }).choice + 1 >= (trail[k]?.arity ?? 0)) k--;
    if (k < 0) return runs;
    prefix = [...trail.slice(0, k).map((t) => t.choice), (trail[k]?.choice ?? 0) + 1];
  }
}

/** A ContractLog whose calls wait at the gate first. */
class GatedLog implements ContractLog {
  readonly #log: ContractLog;
  readonly #gate: (call: string) => Promise<void>;
  readonly #every: boolean;

  constructor(log: ContractLog, gate: (call: string) => Promise<void>, gating: Gating) {
    this.#log = log;
    this.#gate = gate;
    this.#every = gating === 'every-call';
  }

  async size(contract: string): Promise<number> {
    await this.#gate('size');
    return this.#log.size(contract);
  }

  async rootAt(contract: string, size: number): Promise<Uint8Array> {
    if (this.#every) await this.#gate(`rootAt(${size})`);
    return this.#log.rootAt(contract, size);
  }

  async *entries(contract: string, from: number, to: number): AsyncIterable<Uint8Array> {
    if (this.#every) await this.#gate(`entries(${from},${to})`);
    yield* this.#log.entries(contract, from, to);
  }

  async append(contract: string, key: string, intent: Intent, options?: AppendOptions): Promise<AppendedEntry> {
    await this.#gate(`append(${key}${options?.expectedSize === undefined ? '' : `@${options.expectedSize}`})`);
    return this.#log.append(contract, key, intent, options);
  }
}

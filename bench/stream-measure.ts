import type { StreamPhase, StreamProgress } from '#services';

/**
 * Measuring one step of the streaming benchmark: its time, records per
 * second, seconds per ingest phase, and resident memory (the process's peak,
 * the largest sampled every 250 ms during the step, and per phase).
 */

export interface StreamBenchStep {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** process.resourceUsage().maxRSS after the step, MB. */
  readonly peakRssMb: number;
  /** Largest RSS sampled during the step, MB. */
  readonly rssSampledMb: number;
  /** Seconds per phase (count, scan, lookup, check, write, append). */
  readonly phases: Partial<Record<StreamPhase, number>>;
  /** Largest RSS sampled in each phase, MB. */
  readonly rssByPhaseMb: Partial<Record<StreamPhase, number>>;
}

export const mb = (bytes: number) => bytes / 1024 / 1024;

/** Time per phase and resident memory, sampled as a step goes through its phases. */
class PhaseMeter {
  sampledRss = process.memoryUsage.rss();
  readonly rssByPhase: Partial<Record<StreamPhase, number>> = {};
  readonly phases: Partial<Record<StreamPhase, number>> = {};
  #phase: StreamPhase | undefined;
  #phaseStart = 0;

  sample(): void {
    const rss = process.memoryUsage.rss();
    this.sampledRss = Math.max(this.sampledRss, rss);
    const phase = this.#phase;
    if (phase) this.rssByPhase[phase] = Math.max(this.rssByPhase[phase] ?? 0, mb(rss));
  }

  /** Progress reported: a new phase starts (the one before ends) when it differs from the current one. */
  progress(p: StreamProgress): void {
    if (p.phase === this.#phase) return;
    const now = performance.now();
    this.sample();
    this.endPhase(now);
    this.#phase = p.phase;
    this.#phaseStart = now;
  }

  endPhase(now: number): void {
    const phase = this.#phase;
    if (phase) this.phases[phase] = (this.phases[phase] ?? 0) + (now - this.#phaseStart) / 1000;
  }
}

/** Runs `step`, timing its phases and sampling RSS. */
export async function measured(
  records: number,
  step: (onProgress: (p: StreamProgress) => void) => Promise<unknown>,
): Promise<StreamBenchStep> {
  const meter = new PhaseMeter();
  const sampler = setInterval(() => meter.sample(), 250);
  const t0 = performance.now();
  try {
    await step((p) => meter.progress(p));
  } finally {
    clearInterval(sampler);
  }
  const t1 = performance.now();
  meter.endPhase(t1);
  const sampled = Math.max(meter.sampledRss, process.memoryUsage.rss());
  const seconds = (t1 - t0) / 1000;
  return {
    records,
    seconds,
    recordsPerSecond: records / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssSampledMb: mb(sampled),
    phases: meter.phases,
    rssByPhaseMb: meter.rssByPhase,
  };
}

// Download progress for people: a transfer rate averaged over the last seconds (so the ETA does not
// jump with every network chunk) and callbacks throttled to about ten a second.
import type { StoragePhase, StorageProgress } from './types.ts';

/** Bytes per second over a sliding window of (time, bytes) samples. */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly windowMs = 5000,
    /** Below this span the rate is unknown (0): one burst says nothing about the link. */
    private readonly minSpanMs = 500,
  ) {}

  /** `bytes` is a running total; returns the rate, 0 until measured. */
  add(t: number, bytes: number): number {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[1].t >= this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const span = t - first.t;
    return span < this.minSpanMs ? 0 : Math.max(0, ((bytes - first.bytes) * 1000) / span);
  }

  reset(): void {
    this.samples = [];
  }
}

/** Seconds left at `bytesPerSec`; undefined while the rate is unknown. */
export function etaSeconds(bytesLeft: number, bytesPerSec: number): number | undefined {
  return bytesPerSec > 0 ? Math.max(0, bytesLeft) / bytesPerSec : undefined;
}

/** Tracks bytes done and reports through `emit` at most once per `intervalMs` (phase changes always). */
export class ProgressReporter {
  private bytesDone = 0;
  private phase: StoragePhase = 'plan';
  private file: string | undefined;
  private lastEmit = -Infinity;
  private rate = 0;
  private readonly meter = new RateMeter();

  private bytesTotal = 0;

  constructor(
    private readonly modelId: string,
    private readonly emit: ((p: StorageProgress) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 100,
  ) {}

  /** Starts a phase (of `bytesTotal` bytes, `bytesDone` of them done) and reports it at once. */
  start(phase: StoragePhase, bytesDone: number, bytesTotal: number, notice?: string): void {
    this.phase = phase;
    this.bytesDone = bytesDone;
    this.bytesTotal = bytesTotal;
    this.meter.reset();
    this.rate = 0;
    this.report(true, notice);
  }

  /** Adds (or, for a shard that failed and will be fetched again, takes back) bytes. */
  add(delta: number, file?: string): void {
    this.bytesDone += delta;
    if (file !== undefined) this.file = file;
    this.report(false);
  }

  private report(force: boolean, notice?: string): void {
    const t = this.now();
    this.rate = this.meter.add(t, this.bytesDone);
    if (!this.emit || (!force && t - this.lastEmit < this.intervalMs)) return;
    this.lastEmit = t;
    const p: StorageProgress = {
      modelId: this.modelId,
      phase: this.phase,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      bytesPerSec: this.rate,
      etaSec: this.phase === 'done' ? 0 : etaSeconds(this.bytesTotal - this.bytesDone, this.rate),
    };
    if (this.file !== undefined) p.file = this.file;
    if (notice !== undefined) p.notice = notice;
    this.emit(p);
  }
}

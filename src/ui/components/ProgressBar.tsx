// A labelled determinate progress bar.
import { formatPercent } from '../format.ts';

export function ProgressBar({ fraction, label, testId }: { fraction: number; label: string; testId?: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 10;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-valuetext={formatPercent(fraction)} data-testid={testId}>
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}

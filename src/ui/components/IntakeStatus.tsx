// The answer to "add this model" before it becomes a download: checking its size, or why not.
import { CloseIcon } from '../icons.tsx';
import { dismissIntake, useDownloads } from '../store/downloads.ts';

export function IntakeStatus({ origin }: { origin: string }) {
  const intake = useDownloads((s) => s.intake[origin]);
  if (!intake) return null;
  if (intake.status === 'planning') {
    return (
      <p className="muted small" role="status" data-testid="intake-status" data-status="planning">
        Checking the size and free space…
      </p>
    );
  }
  return (
    <div className="notice notice-error" role="alert" data-testid="intake-status" data-status={intake.status}>
      <span>{intake.message}</span>
      <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => dismissIntake(origin)}>
        <CloseIcon />
      </button>
    </div>
  );
}

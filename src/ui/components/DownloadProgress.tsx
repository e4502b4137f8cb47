// A download's (or check's) progress: phase, bytes, speed, time left and a bar.
import type { StorageProgress } from '../../storage/types.ts';
import { formatBytes, formatDuration, formatPercent, formatRate } from '../format.ts';
import { ProgressBar } from './ProgressBar.tsx';

const PHASES: Record<StorageProgress['phase'], string> = {
  plan: 'Checking',
  download: 'Downloading',
  verify: 'Verifying',
  repair: 'Repairing',
  done: 'Done',
};

export function DownloadProgress({ progress: p, paused }: { progress: StorageProgress; paused: boolean }) {
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0;
  return (
    <div className="download-progress" data-testid="download-progress" data-phase={p.phase} data-bytes-done={p.bytesDone} data-bytes-total={p.bytesTotal}>
      <p className="small">
        <strong>{paused ? 'Paused' : PHASES[p.phase]}</strong> {formatPercent(fraction)} · {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)}
        {!paused && p.phase !== 'done' && (
          <span className="muted">
            {' '}
            · {formatRate(p.bytesPerSec)} · {formatDuration(p.etaSec)} left
          </span>
        )}
      </p>
      <ProgressBar fraction={fraction} label={`${PHASES[p.phase]} progress`} />
      {p.file && <p className="muted small ellipsis">{p.file}</p>}
    </div>
  );
}

// How much of the browser's storage quota is used, and whether it is safe from eviction.
import { formatBytes } from '../format.ts';
import { useDownloads } from '../store/downloads.ts';
import { ProgressBar } from './ProgressBar.tsx';

export function StorageEstimate() {
  const estimate = useDownloads((s) => s.estimate);
  return (
    <section className="card" aria-labelledby="storage-heading" data-testid="storage-estimate" data-usage={estimate?.usage} data-quota={estimate?.quota}>
      <h3 id="storage-heading">Storage</h3>
      {estimate ? (
        <>
          {Number.isFinite(estimate.quota) ? (
            <>
              <p className="small">
                {formatBytes(estimate.usage)} used of {formatBytes(estimate.quota)} available to this site
              </p>
              <ProgressBar fraction={estimate.quota > 0 ? estimate.usage / estimate.quota : 0} label="Storage used" />
            </>
          ) : (
            <p className="small">{formatBytes(estimate.usage)} used; this browser does not report a quota.</p>
          )}
          <p className="muted small">
            {estimate.persisted
              ? 'Persistent: the browser will not evict the models on its own.'
              : 'Not persistent: the browser may clear it when disk space runs low.'}
          </p>
        </>
      ) : (
        <p className="muted small">This browser does not report its storage use.</p>
      )}
    </section>
  );
}

// One model in the cache: its state (complete, partial, downloading…) and what can be done with it.
import { useRef, useState } from 'react';
import { formatBytes, formatPercent } from '../format.ts';
import { describeSource, resumeSource } from '../model-source.ts';
import { addModel, dismissJob, pauseDownload, type JobStatus, removeModel, repairModel, useDownloads, verifyModel } from '../store/downloads.ts';
import { loadModel, useEngine } from '../store/engine.ts';
import { useGeneration } from '../store/generation.ts';
import { DownloadProgress } from './DownloadProgress.tsx';
import { IntakeStatus } from './IntakeStatus.tsx';
import { VerifyResult } from './VerifyResult.tsx';

export function ModelRow({ modelId }: { modelId: string }) {
  const model = useDownloads((s) => s.models.find((m) => m.id === modelId));
  const job = useDownloads((s) => s.jobs[modelId]);
  const report = useDownloads((s) => s.reports[modelId]);
  const engineBusy = useEngine((s) => s.status === 'loading');
  const loaded = useEngine((s) => s.status === 'ready' && s.modelId === modelId);
  const generating = useGeneration((s) => s.streaming !== undefined);
  const [confirming, setConfirming] = useState(false);
  const filePicker = useRef<HTMLInputElement>(null);
  const origin = `model:${modelId}`;
  const planning = useDownloads((s) => s.intake[origin]?.status === 'planning');

  const label = model?.label ?? job?.label ?? modelId;
  const total = model?.totalBytes ?? job?.bytesTotal ?? 0;
  // This visit's source first: for a local file it still holds the File itself.
  const source = job?.source ?? (model && resumeSource(model));
  const running = job?.status === 'downloading' || job?.status === 'verifying' || job?.status === 'repairing';
  const status: RowStatus = job?.status ?? (model?.complete ? 'complete' : 'partial');

  return (
    <li className="model-row" data-testid="model-row" data-model-id={modelId} data-status={status} data-loaded={loaded}>
      <div className="model-row-head">
        <div>
          <p className="model-name">{label}</p>
          <p className="muted small">
            {[model?.format.toUpperCase(), formatBytes(total), model && describeSource(model.source)].filter(Boolean).join(' · ')}
          </p>
        </div>
        <StatusBadge status={status} fraction={model && model.totalBytes > 0 ? model.storedBytes / model.totalBytes : 0} loaded={loaded} />
      </div>

      {job?.progress && (running || job.status === 'paused') && <DownloadProgress progress={job.progress} paused={job.status === 'paused'} />}
      {job?.notice && (
        <p className="notice" role="status">
          {job.notice}
        </p>
      )}
      {job?.status === 'failed' && (
        <p className="notice notice-error" role="alert" data-testid="download-error">
          {job.error}
        </p>
      )}
      {report && !running && <VerifyResult report={report} />}
      <IntakeStatus origin={origin} />

      {confirming ? (
        <div className="row confirm" role="group" aria-label="Confirm delete">
          <span>
            Delete {label} ({formatBytes(model?.storedBytes ?? 0)})?
          </span>
          <button
            type="button"
            className="btn btn-danger btn-small"
            onClick={() => {
              setConfirming(false);
              void removeModel(modelId);
            }}
          >
            Delete
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)} autoFocus>
            Cancel
          </button>
        </div>
      ) : (
        <div className="row wrap">
          {model?.complete && !running && (
            <button type="button" className="btn btn-primary btn-small" disabled={loaded || engineBusy || generating} onClick={() => void loadModel(modelId)}>
              {loaded ? 'Loaded' : 'Load'}
            </button>
          )}
          {job?.status === 'downloading' && (
            <button type="button" className="btn btn-small" onClick={() => pauseDownload(modelId)}>
              Pause
            </button>
          )}
          {!running && !model?.complete && source && (
            <button type="button" className="btn btn-primary btn-small" disabled={planning} onClick={() => void addModel(origin, source)}>
              {job?.status === 'failed' ? 'Retry' : 'Resume'}
            </button>
          )}
          {!running && !model?.complete && !source && model?.source.kind === 'local' && (
            <button type="button" className="btn btn-primary btn-small" onClick={() => filePicker.current?.click()}>
              Pick {model.source.name} to resume
            </button>
          )}
          {model && !running && (
            <button type="button" className="btn btn-small" onClick={() => void verifyModel(modelId)}>
              Verify
            </button>
          )}
          {model && !running && model.source.kind !== 'local' && (
            <button type="button" className="btn btn-small" onClick={() => void repairModel(modelId)}>
              Repair
            </button>
          )}
          {job?.status === 'failed' && !job.source && (
            <button type="button" className="btn btn-small" onClick={() => dismissJob(modelId)}>
              Dismiss
            </button>
          )}
          {job?.status !== 'verifying' && job?.status !== 'repairing' && (
            <button type="button" className="btn btn-small btn-danger-quiet" disabled={loaded && generating} onClick={() => setConfirming(true)}>
              Delete
            </button>
          )}
        </div>
      )}
      {model?.source.kind === 'local' && !model.complete && (
        <input
          ref={filePicker}
          type="file"
          className="visually-hidden"
          tabIndex={-1}
          aria-label={`Pick ${model.source.name} again`}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void addModel(origin, { kind: 'local', file });
          }}
        />
      )}
    </li>
  );
}

type RowStatus = JobStatus | 'complete' | 'partial';

function StatusBadge({ status, fraction, loaded }: { status: RowStatus; fraction: number; loaded: boolean }) {
  const text: Record<RowStatus, string> = {
    complete: loaded ? 'loaded' : 'complete',
    partial: `partial ${formatPercent(fraction)}`,
    downloading: 'downloading',
    paused: 'paused',
    failed: 'failed',
    verifying: 'verifying',
    repairing: 'repairing',
  };
  return (
    <span className={`badge badge-${status}${loaded ? ' badge-loaded' : ''}`} data-testid="model-status">
      {text[status]}
    </span>
  );
}

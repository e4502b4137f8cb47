// A model offered by name, with its download state when it is already cached or on its way.
import type { CatalogEntry } from '../catalog.ts';
import { addModel, useDownloads } from '../store/downloads.ts';
import { IntakeStatus } from './IntakeStatus.tsx';

export function CatalogRow({ entry }: { entry: CatalogEntry }) {
  const origin = `catalog:${entry.source.repo}`;
  const { repo } = entry.source;
  const cached = useDownloads((s) => s.models.find((m) => m.source.kind === 'hub' && m.source.repo === repo));
  const job = useDownloads((s) => Object.values(s.jobs).find((j) => j.source?.kind === 'hub' && j.source.repo === repo));
  const planning = useDownloads((s) => s.intake[origin]?.status === 'planning');
  const state = cached?.complete ? 'cached' : job || cached ? 'in-progress' : 'available';
  return (
    <li className="catalog-row" data-testid="catalog-row" data-repo={repo} data-state={state}>
      <div className="grow">
        <p className="model-name">{entry.label}</p>
        <p className="muted small">{entry.description}</p>
        <p className="muted small mono ellipsis">
          {repo}
          {entry.source.files ? ` / ${entry.source.files.join(', ')}` : ''}
        </p>
        <IntakeStatus origin={origin} />
      </div>
      {state === 'available' ? (
        <button type="button" className="btn btn-primary btn-small" disabled={planning} onClick={() => void addModel(origin, entry.source)} aria-label={`Download ${entry.label}`}>
          Download
        </button>
      ) : (
        <span className="muted small">{state === 'cached' ? 'Downloaded' : 'In Your models'}</span>
      )}
    </li>
  );
}

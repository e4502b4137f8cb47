// The cached models, plus downloads that started this visit and are not listed yet.
import { useDownloads } from '../store/downloads.ts';
import { ModelRow } from './ModelRow.tsx';

export function ModelList() {
  const models = useDownloads((s) => s.models);
  const jobs = useDownloads((s) => s.jobs);
  const listed = useDownloads((s) => s.listed);
  const listError = useDownloads((s) => s.listError);
  const unlisted = Object.values(jobs).filter((j) => !models.some((m) => m.id === j.modelId));
  return (
    <section className="card" aria-labelledby="models-heading">
      <h3 id="models-heading">Your models</h3>
      {listError && (
        <p className="notice notice-error" role="alert">
          {listError}
        </p>
      )}
      {listed && models.length === 0 && unlisted.length === 0 && <p className="muted">Nothing downloaded yet.</p>}
      <ul className="model-list">
        {unlisted.map((j) => (
          <ModelRow key={j.modelId} modelId={j.modelId} />
        ))}
        {models.map((m) => (
          <ModelRow key={m.id} modelId={m.id} />
        ))}
      </ul>
    </section>
  );
}

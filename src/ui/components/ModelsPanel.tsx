// Models: what runs now (and on which backend), the cached models, and where to get more.
import { BackendSelector } from './BackendSelector.tsx';
import { EngineCard } from './EngineCard.tsx';
import { GetModel } from './GetModel.tsx';
import { ModelList } from './ModelList.tsx';
import { StorageEstimate } from './StorageEstimate.tsx';

export function ModelsPanel() {
  return (
    <div className="stack">
      <EngineCard />
      <BackendSelector />
      <ModelList />
      <GetModel />
      <StorageEstimate />
    </div>
  );
}

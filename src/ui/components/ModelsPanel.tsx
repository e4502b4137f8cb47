// Models: what runs now (on which backend, with which LM head), the cached models, and where to
// get more.
import { BackendSelector } from './BackendSelector.tsx';
import { EngineCard } from './EngineCard.tsx';
import { GetModel } from './GetModel.tsx';
import { LmHeadSelector } from './LmHeadSelector.tsx';
import { ModelList } from './ModelList.tsx';
import { StorageEstimate } from './StorageEstimate.tsx';

export function ModelsPanel() {
  return (
    <div className="stack">
      <EngineCard />
      <BackendSelector />
      <LmHeadSelector />
      <ModelList />
      <GetModel />
      <StorageEstimate />
    </div>
  );
}

// Numbers: speed of the reply being written (or the last one), memory, storage and the model.
import { MemoryPanel } from './MemoryPanel.tsx';
import { ModelInfo } from './ModelInfo.tsx';
import { SpeedStats } from './SpeedStats.tsx';
import { StorageEstimate } from './StorageEstimate.tsx';

export function StatsPanel() {
  return (
    <div className="stack" data-testid="stats-panel">
      <SpeedStats />
      <MemoryPanel />
      <StorageEstimate />
      <ModelInfo />
    </div>
  );
}

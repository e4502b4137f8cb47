// Settings: sampling (over the model's defaults), context size, and the hub address.
import { ContextSizeSetting } from './ContextSizeSetting.tsx';
import { HubSetting } from './HubSetting.tsx';
import { SamplingSettings } from './SamplingSettings.tsx';

export function SettingsPanel() {
  return (
    <div className="stack">
      <SamplingSettings />
      <ContextSizeSetting />
      <HubSetting />
    </div>
  );
}

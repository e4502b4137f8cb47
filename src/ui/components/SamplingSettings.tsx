// Sampling settings. Each shows the value in effect: the model's default until changed here.
import { effectiveSettings, modelDefaults, SETTING_KEYS } from '../../chat/sampling.ts';
import { useEngine } from '../store/engine.ts';
import { useSettings } from '../store/settings.ts';
import { SettingField } from './SettingField.tsx';

export function SamplingSettings() {
  const generation = useEngine((s) => s.model?.generation);
  const modelName = useEngine((s) => s.model?.name);
  const overrides = useSettings((s) => s.overrides);
  const setOverride = useSettings((s) => s.setOverride);
  const resetOverrides = useSettings((s) => s.resetOverrides);
  const effective = effectiveSettings(generation, overrides);
  const defaults = modelDefaults(generation);
  const changed = Object.keys(overrides).length > 0;
  return (
    <section className="card" aria-labelledby="sampling-heading" data-testid="sampling-settings">
      <h3 id="sampling-heading">Sampling</h3>
      <p className="muted small card-intro">Defaults: {modelName ? `${modelName}'s own, where its files give them` : 'the engine’s (no model loaded)'}.</p>
      <div className="settings-grid">
        {SETTING_KEYS.map((key) => (
          <SettingField key={key} field={key} value={effective[key]} defaultValue={defaults[key]} changed={overrides[key] !== undefined} onCommit={(v) => setOverride(key, v)} />
        ))}
      </div>
      <button type="button" className="btn btn-small" disabled={!changed} onClick={resetOverrides}>
        Reset to model defaults
      </button>
    </section>
  );
}

// A number setting: checked as typed, applied when the field is left (or on Enter), so that a
// half-typed value never reaches the sampler.
import { useEffect, useId, useState } from 'react';
import { parseSetting, SETTING_SPECS, type SettingKey } from '../../chat/sampling.ts';

interface Props {
  field: SettingKey;
  value: number | undefined;
  defaultValue: number | undefined;
  changed: boolean;
  onCommit: (value: number | undefined) => void;
}

export function SettingField({ field, value, defaultValue, changed, onCommit }: Props) {
  const spec = SETTING_SPECS[field];
  const id = useId();
  const [text, setText] = useState(value === undefined ? '' : String(value));
  useEffect(() => setText(value === undefined ? '' : String(value)), [value]);
  const parsed = parseSetting(field, text);

  const commit = () => {
    if (!parsed.ok) return;
    // Typing the default back counts as no change, so the model's default keeps applying.
    const v = parsed.value === defaultValue ? undefined : parsed.value;
    if (v !== undefined || changed) onCommit(v);
    if (parsed.value === undefined && defaultValue !== undefined) setText(String(defaultValue));
  };

  return (
    <div className="setting" data-changed={changed}>
      <label htmlFor={id}>
        {spec.label}
        {changed && <span className="changed-dot" title="Changed from the default" aria-label="(changed)" />}
      </label>
      <input
        id={id}
        className="input"
        type="number"
        inputMode="decimal"
        min={spec.min}
        max={spec.max}
        step={spec.step}
        value={text}
        placeholder={defaultValue === undefined ? 'random' : String(defaultValue)}
        aria-invalid={!parsed.ok}
        aria-describedby={`${id}-help`}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      <span id={`${id}-help`} className={parsed.ok ? 'muted small' : 'field-error'}>
        {parsed.ok ? spec.help : parsed.error}
      </span>
    </div>
  );
}

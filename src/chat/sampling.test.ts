import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLING } from '../engine/sampler.ts';
import { DEFAULT_MAX_TOKENS, effectiveSettings, modelDefaults, parseSetting, requestSettings } from './sampling.ts';

describe('generation settings', () => {
  it("uses the sampler's defaults when the model has none", () => {
    expect(modelDefaults(undefined)).toEqual({
      temperature: DEFAULT_SAMPLING.temperature,
      topK: DEFAULT_SAMPLING.topK,
      topP: DEFAULT_SAMPLING.topP,
      minP: DEFAULT_SAMPLING.minP,
      repetitionPenalty: DEFAULT_SAMPLING.repetitionPenalty,
      maxTokens: DEFAULT_MAX_TOKENS,
    });
  });

  it("takes the model's own defaults where present", () => {
    const d = modelDefaults({ temperature: 0.6, topP: 0.9 });
    expect(d).toMatchObject({ temperature: 0.6, topP: 0.9, topK: DEFAULT_SAMPLING.topK, minP: DEFAULT_SAMPLING.minP });
  });

  it('puts user changes on top, including a seed', () => {
    const s = effectiveSettings({ temperature: 0.6, repetitionPenalty: 1.1 }, { temperature: 0, seed: 7, maxTokens: 64 });
    expect(s).toMatchObject({ temperature: 0, repetitionPenalty: 1.1, seed: 7, maxTokens: 64 });
    expect(effectiveSettings(undefined, {}).seed).toBeUndefined();
  });

  it('parses fields with range and integer checks', () => {
    expect(parseSetting('temperature', '0.7')).toEqual({ ok: true, value: 0.7 });
    expect(parseSetting('seed', '  ')).toEqual({ ok: true, value: undefined });
    expect(parseSetting('topK', '2.5')).toEqual({ ok: false, error: 'Top-k must be a whole number' });
    expect(parseSetting('topP', '1.5')).toEqual({ ok: false, error: 'Top-p must be between 0.01 and 1' });
    expect(parseSetting('maxTokens', 'lots')).toEqual({ ok: false, error: 'Max tokens must be a number' });
    expect(parseSetting('seed', String(2 ** 32))).toMatchObject({ ok: false });
  });

  it('builds the request part, with the seed only when fixed', () => {
    const s = effectiveSettings(undefined, { temperature: 0.5, maxTokens: 10 });
    expect(requestSettings(s)).toEqual({
      sampling: { temperature: 0.5, topK: DEFAULT_SAMPLING.topK, topP: DEFAULT_SAMPLING.topP, minP: DEFAULT_SAMPLING.minP, repetitionPenalty: DEFAULT_SAMPLING.repetitionPenalty },
      maxTokens: 10,
    });
    expect(requestSettings({ ...s, seed: 0 }).sampling.seed).toBe(0);
  });
});

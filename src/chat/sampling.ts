// Generation settings: the loaded model's own defaults (from its files) where it has them, else the
// sampler's; the user's changes sit on top and are kept apart, so "reset" just drops them.
import { DEFAULT_SAMPLING, type SamplingParams } from '../engine/sampler.ts';
import type { ChatRequest, ModelSummary } from '../worker/protocol.ts';

export interface GenerationSettings {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  maxTokens: number;
  /** Undefined: a fresh random seed for every reply. */
  seed?: number;
}

export type SettingKey = keyof GenerationSettings;
export type SettingOverrides = Partial<GenerationSettings>;

/** Long enough for a full answer, short enough that a slow backend finishes in reasonable time. */
export const DEFAULT_MAX_TOKENS = 512;

export interface SettingSpec {
  label: string;
  min: number;
  max: number;
  step: number;
  integer: boolean;
  help: string;
}

export const SETTING_SPECS: Record<SettingKey, SettingSpec> = {
  temperature: { label: 'Temperature', min: 0, max: 2, step: 0.05, integer: false, help: '0 always picks the most likely token' },
  topK: { label: 'Top-k', min: 0, max: 1000, step: 1, integer: true, help: '0 turns it off' },
  topP: { label: 'Top-p', min: 0.01, max: 1, step: 0.01, integer: false, help: '1 turns it off' },
  minP: { label: 'Min-p', min: 0, max: 1, step: 0.01, integer: false, help: '0 turns it off' },
  repetitionPenalty: { label: 'Repetition penalty', min: 0.5, max: 2, step: 0.05, integer: false, help: '1 turns it off' },
  maxTokens: { label: 'Max tokens', min: 1, max: 32768, step: 1, integer: true, help: 'longest reply' },
  seed: { label: 'Seed', min: 0, max: 2 ** 32 - 1, step: 1, integer: true, help: 'empty: random' },
};

export const SETTING_KEYS = Object.keys(SETTING_SPECS) as SettingKey[];

export function modelDefaults(generation: ModelSummary['generation'] | undefined): GenerationSettings {
  const own = Object.fromEntries(Object.entries(generation ?? {}).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
  const { temperature, topK, topP, minP, repetitionPenalty } = { ...DEFAULT_SAMPLING, ...own };
  return { temperature, topK, topP, minP, repetitionPenalty, maxTokens: DEFAULT_MAX_TOKENS };
}

export function effectiveSettings(generation: ModelSummary['generation'] | undefined, overrides: SettingOverrides): GenerationSettings {
  const merged: GenerationSettings = { ...modelDefaults(generation) };
  for (const key of SETTING_KEYS) if (overrides[key] !== undefined) merged[key] = overrides[key];
  return merged;
}

export type ParsedSetting = { ok: true; value: number | undefined } | { ok: false; error: string };

/** Reads a settings field as typed; empty clears the override (for the seed: random). */
export function parseSetting(key: SettingKey, text: string): ParsedSetting {
  const spec = SETTING_SPECS[key];
  if (text.trim() === '') return { ok: true, value: undefined };
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, error: `${spec.label} must be a number` };
  if (spec.integer && !Number.isInteger(value)) return { ok: false, error: `${spec.label} must be a whole number` };
  if (value < spec.min || value > spec.max) return { ok: false, error: `${spec.label} must be between ${spec.min} and ${spec.max}` };
  return { ok: true, value };
}

/** The sampling part of a ChatRequest. */
export function requestSettings(s: GenerationSettings): Pick<ChatRequest, 'sampling' | 'maxTokens'> {
  const sampling: Partial<SamplingParams> = {
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
    minP: s.minP,
    repetitionPenalty: s.repetitionPenalty,
  };
  if (s.seed !== undefined) sampling.seed = s.seed;
  return { sampling, maxTokens: s.maxTokens };
}

// User settings kept in localStorage: backend and LM head choice, hub address, context size and
// sampling changes. The `?hub=` query overrides the hub address for this visit only.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { SettingKey, SettingOverrides } from '../../chat/sampling.ts';
import type { BackendChoice, LmHeadMode } from '../../worker/protocol.ts';
import { DEFAULT_HUB, hubFromQuery } from '../hub.ts';

interface SettingsState {
  backend: BackendChoice;
  /** The LM head to run on WASM (WebGPU runs the exact one). */
  lmHead: LmHeadMode;
  hubBase: string;
  /** Tokens of context to allocate at load; undefined: the model's own. */
  contextSize?: number;
  overrides: SettingOverrides;
  setBackend(backend: BackendChoice): void;
  setLmHead(lmHead: LmHeadMode): void;
  setHubBase(hubBase: string): void;
  setContextSize(contextSize: number | undefined): void;
  setOverride(key: SettingKey, value: number | undefined): void;
  resetOverrides(): void;
}

export const useSettings = create<SettingsState>()(
  persist(
    (set) => ({
      backend: 'auto',
      lmHead: 'exact',
      hubBase: DEFAULT_HUB,
      overrides: {},
      setBackend: (backend) => set({ backend }),
      setLmHead: (lmHead) => set({ lmHead }),
      setHubBase: (hubBase) => set({ hubBase }),
      setContextSize: (contextSize) => set({ contextSize }),
      setOverride: (key, value) =>
        set((s) => {
          const overrides = { ...s.overrides };
          if (value === undefined) delete overrides[key];
          else overrides[key] = value;
          return { overrides };
        }),
      resetOverrides: () => set({ overrides: {} }),
    }),
    {
      name: 'bitnet-web:settings',
      version: 1,
      partialize: ({ backend, lmHead, hubBase, contextSize, overrides }) => ({ backend, lmHead, hubBase, contextSize, overrides }),
    },
  ),
);

/** Read once: the query belongs to this page load. */
export const HUB_OVERRIDE = hubFromQuery(location.search);

export const hubBase = (): string => HUB_OVERRIDE ?? useSettings.getState().hubBase;

export const useHubBase = (): string => useSettings((s) => HUB_OVERRIDE ?? s.hubBase);

/// <reference types="vite-plugin-pwa/client" />
// Registers the service worker in production builds and reports, for the UI: whether the shell
// is ready offline, whether a new version waits (applied when the user says so), and whether the
// page is cross-origin isolated (WASM threads) or runs one thread.
import { registerSW } from 'virtual:pwa-register';
import { create } from 'zustand';

export interface PwaState {
  /** The app shell is cached: the page opens with no network. */
  offlineReady: boolean;
  /** A new version is installed and waits for `update()`. */
  needRefresh: boolean;
  /** SharedArrayBuffer available: WASM threads can run. */
  isolated: boolean;
  /** Why registration failed, if it did (the app still works online). */
  error?: string;
  update(): void;
}

/** One reload per tab to let the service worker's headers isolate a page its host did not. */
const RELOAD_KEY = 'bitnet-coi-reload';

let apply: ((reload?: boolean) => Promise<void>) | undefined;

export const usePwa = create<PwaState>(() => ({
  offlineReady: false,
  needRefresh: false,
  isolated: globalThis.crossOriginIsolated === true,
  update: () => void apply?.(true),
}));

/** A static host without COOP/COEP: once the worker controls the page, a reload comes back isolated. */
function isolateByReload(): void {
  if (crossOriginIsolated || !navigator.serviceWorker.controller || sessionStorage.getItem(RELOAD_KEY)) return;
  sessionStorage.setItem(RELOAD_KEY, '1');
  location.reload();
}

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  isolateByReload();
  navigator.serviceWorker.addEventListener('controllerchange', isolateByReload);
  apply = registerSW({
    immediate: true,
    onOfflineReady: () => usePwa.setState({ offlineReady: true }),
    onNeedRefresh: () => usePwa.setState({ needRefresh: true }),
    onRegisterError: (e: unknown) => usePwa.setState({ error: e instanceof Error ? e.message : String(e) }),
  });
}

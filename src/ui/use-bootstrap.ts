// What the page starts once: saved conversations and models, the context meter's watcher, the
// storage estimate on the telemetry beat, and Escape: it stops a reply, else closes an overlay.
import { useEffect } from 'react';
import { watchContext } from './store/context-watch.ts';
import { loadAll } from './store/conversations.ts';
import { refreshEstimate, refreshModels } from './store/downloads.ts';
import { onTelemetry } from './store/engine.ts';
import { isGenerating, stop } from './store/generation.ts';
import { closeOverlays } from './store/layout.ts';

export function useBootstrap(): void {
  useEffect(() => {
    void loadAll();
    void refreshModels();
    const unwatch = watchContext();
    const unbeat = onTelemetry(() => void refreshEstimate());
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      if (isGenerating()) {
        e.preventDefault();
        stop();
      } else if (closeOverlays()) {
        e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      unwatch();
      unbeat();
      window.removeEventListener('keydown', onKey);
    };
  }, []);
}

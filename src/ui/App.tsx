// The page: conversations on the left, the chat in the middle, models/settings/stats on the right.
import { useSyncExternalStore } from 'react';
import { BenchPage } from './bench/BenchPage.tsx';
import { ChatPane } from './components/ChatPane.tsx';
import { DropZone } from './components/DropZone.tsx';
import { Sidebar } from './components/Sidebar.tsx';
import { SidePanel } from './components/SidePanel.tsx';
import { setPanelOpen, setSidebarOpen, useLayout } from './store/layout.ts';
import { useBootstrap } from './use-bootstrap.ts';

/** The benchmark panel lives at #bench, so it can be linked and driven by `npm run bench`. */
function useHash(): string {
  return useSyncExternalStore(
    (onChange) => {
      window.addEventListener('hashchange', onChange);
      return () => window.removeEventListener('hashchange', onChange);
    },
    () => location.hash,
  );
}

export function App() {
  useBootstrap();
  const hash = useHash();
  const sidebarOpen = useLayout((s) => s.sidebarOpen);
  const panelOpen = useLayout((s) => s.panelOpen);
  return (
    <div className="app" data-sidebar-open={sidebarOpen} data-panel-open={panelOpen}>
      <Sidebar />
      {hash === '#bench' ? <BenchPage /> : <ChatPane />}
      {panelOpen && <SidePanel />}
      {/* Tapping beside an open overlay closes it (CSS shows the scrim only on narrow screens). */}
      <div
        className="scrim"
        aria-hidden="true"
        onClick={() => {
          setSidebarOpen(false);
          setPanelOpen(false);
        }}
      />
      <DropZone />
    </div>
  );
}

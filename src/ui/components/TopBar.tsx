// The app bar: the name, the drawer toggles, and at-a-glance model and context status.
import { MenuIcon, PanelIcon } from '../icons.tsx';
import { setPanelOpen, setSidebarOpen, useLayout } from '../store/layout.ts';
import { ContextMeter } from './ContextMeter.tsx';
import { ModelChip } from './ModelChip.tsx';

export function TopBar() {
  const sidebarOpen = useLayout((s) => s.sidebarOpen);
  const panelOpen = useLayout((s) => s.panelOpen);
  const openSidebar = () => {
    setSidebarOpen(!sidebarOpen);
    // Into the drawer, so that the keyboard is where the eyes are (after the drawer is visible).
    if (!sidebarOpen) requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid="new-chat"]')?.focus());
  };
  return (
    <header className="topbar">
      <button type="button" className="icon-btn sidebar-toggle" aria-label="Conversations" aria-expanded={sidebarOpen} onClick={openSidebar}>
        <MenuIcon />
      </button>
      <h1 className="brand">
        <span className="brand-mark" aria-hidden="true" />
        bitnet-web
      </h1>
      <div className="topbar-status">
        <ContextMeter />
        <ModelChip />
      </div>
      <button type="button" className="icon-btn" aria-label={panelOpen ? 'Hide panel' : 'Show panel'} aria-expanded={panelOpen} data-testid="panel-toggle" onClick={() => setPanelOpen(!panelOpen)}>
        <PanelIcon />
      </button>
    </header>
  );
}

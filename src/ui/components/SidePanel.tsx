// The right-hand panel: models, settings and stats as tabs (arrow keys move between tabs).
import { useEffect, type KeyboardEvent } from 'react';
import { CloseIcon } from '../icons.tsx';
import { isOverlay, openPanel, setPanelOpen, useLayout, type PanelTab } from '../store/layout.ts';
import { ModelsPanel } from './ModelsPanel.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { StatsPanel } from './StatsPanel.tsx';

const TABS: { id: PanelTab; label: string }[] = [
  { id: 'models', label: 'Models' },
  { id: 'settings', label: 'Settings' },
  { id: 'stats', label: 'Stats' },
];

export function SidePanel() {
  const tab = useLayout((s) => s.tab);

  // As a drawer over the chat, it takes the focus; keyboard users would otherwise start behind it.
  useEffect(() => {
    if (isOverlay('panel')) document.querySelector<HTMLElement>('.panel [aria-selected="true"]')?.focus();
  }, []);

  const onKey = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    const next = TABS[(TABS.findIndex((t) => t.id === tab) + step + TABS.length) % TABS.length];
    openPanel(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };

  return (
    <aside className="panel" aria-label="Models, settings and stats">
      <div className="panel-head">
        <div className="tabs" role="tablist" aria-label="Panel" onKeyDown={onKey}>
          {TABS.map((t) => (
            <button
              key={t.id}
              id={`tab-${t.id}`}
              type="button"
              role="tab"
              className="tab"
              aria-selected={tab === t.id}
              aria-controls={`tabpanel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => openPanel(t.id)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <button type="button" className="icon-btn" aria-label="Close panel" onClick={() => setPanelOpen(false)}>
          <CloseIcon />
        </button>
      </div>
      <div className="panel-body" role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'models' && <ModelsPanel />}
        {tab === 'settings' && <SettingsPanel />}
        {tab === 'stats' && <StatsPanel />}
      </div>
    </aside>
  );
}

// Which drawers are open. On wide screens the panel is a column that starts open; on narrow ones
// the sidebar and the panel are overlays that start closed (styles.css holds the breakpoints).
import { create } from 'zustand';

export type PanelTab = 'models' | 'settings' | 'stats';

interface LayoutState {
  sidebarOpen: boolean;
  panelOpen: boolean;
  tab: PanelTab;
}

/** Must match the panel breakpoint in styles.css. */
const WIDE = '(min-width: 1100px)';

export const useLayout = create<LayoutState>()(() => ({ sidebarOpen: false, panelOpen: matchMedia(WIDE).matches, tab: 'models' }));

export const openPanel = (tab: PanelTab): void => useLayout.setState({ panelOpen: true, tab });
export const setPanelOpen = (panelOpen: boolean): void => useLayout.setState({ panelOpen });
export const setSidebarOpen = (sidebarOpen: boolean): void => useLayout.setState({ sidebarOpen });

/** Overlays close after a choice in them; columns stay. */
export const isOverlay = (breakpoint: 'sidebar' | 'panel'): boolean => !matchMedia(breakpoint === 'panel' ? WIDE : '(min-width: 700px)').matches;

/** Closes whatever overlays the sidebar or the panel as a drawer; true if one was open. */
export function closeOverlays(): boolean {
  const { sidebarOpen, panelOpen } = useLayout.getState();
  const sidebar = sidebarOpen && isOverlay('sidebar');
  const panel = panelOpen && isOverlay('panel');
  if (sidebar) setSidebarOpen(false);
  if (panel) setPanelOpen(false);
  return sidebar || panel;
}

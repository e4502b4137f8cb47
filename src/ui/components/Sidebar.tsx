// The conversation list: new chat, search (titles and message text), import and export.
import { useMemo } from 'react';
import { searchConversations } from '../../chat/search.ts';
import { CloseIcon, PlusIcon } from '../icons.tsx';
import { newConversation, setQuery, useConversations } from '../store/conversations.ts';
import { isOverlay, setSidebarOpen } from '../store/layout.ts';
import { ConversationItem } from './ConversationItem.tsx';
import { ImportExport } from './ImportExport.tsx';

export function Sidebar() {
  const list = useConversations((s) => s.list);
  const query = useConversations((s) => s.query);
  const activeId = useConversations((s) => s.activeId);
  const loaded = useConversations((s) => s.loaded);
  const hits = useMemo(() => searchConversations(list, query), [list, query]);

  const startNew = () => {
    newConversation();
    if (isOverlay('sidebar')) setSidebarOpen(false);
    document.getElementById('composer')?.focus();
  };

  return (
    <aside className="sidebar" aria-label="Conversations">
      <div className="sidebar-head">
        <button type="button" className="btn btn-primary grow" data-testid="new-chat" onClick={startNew}>
          <PlusIcon /> New chat
        </button>
        <button type="button" className="icon-btn sidebar-close" aria-label="Close conversations" onClick={() => setSidebarOpen(false)}>
          <CloseIcon />
        </button>
      </div>
      <input
        type="search"
        className="input"
        placeholder="Search conversations"
        aria-label="Search conversations"
        data-testid="conversation-search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <ul className="conv-list" data-testid="conversation-list">
        {hits.map((h) => (
          <ConversationItem key={h.conversation.id} conversation={h.conversation} snippet={h.snippet} active={h.conversation.id === activeId} />
        ))}
      </ul>
      {loaded && hits.length === 0 && <p className="muted small center">{list.length === 0 ? 'No conversations yet.' : 'No conversation matches.'}</p>}
      <ImportExport />
      <a className="btn" href="#bench" data-testid="open-bench" onClick={() => isOverlay('sidebar') && setSidebarOpen(false)}>
        Benchmark
      </a>
    </aside>
  );
}

// Import (a JSON export, validated before anything changes) and export of all conversations.
import { useRef } from 'react';
import { CloseIcon, DownloadIcon, UploadIcon } from '../icons.tsx';
import { dismissNotice, exportJson, importConversations, useConversations } from '../store/conversations.ts';

export function ImportExport() {
  const input = useRef<HTMLInputElement>(null);
  const list = useConversations((s) => s.list);
  const notice = useConversations((s) => s.notice);
  return (
    <div className="sidebar-foot">
      <div className="row">
        <button type="button" className="btn grow" onClick={() => input.current?.click()}>
          <UploadIcon /> Import
        </button>
        <button type="button" className="btn grow" disabled={list.length === 0} onClick={() => exportJson(list, `bitnet-chats-${new Date().toISOString().slice(0, 10)}`)}>
          <DownloadIcon /> Export all
        </button>
      </div>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        aria-label="Import conversations"
        data-testid="import-file"
        tabIndex={-1}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // the same file again must fire change again
          if (file) void importConversations(file);
        }}
      />
      {notice && (
        <div className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="import-notice">
          <span>{notice.text}</span>
          <button type="button" className="icon-btn" aria-label="Dismiss" onClick={dismissNotice}>
            <CloseIcon />
          </button>
        </div>
      )}
    </div>
  );
}

// Above the messages: the conversation's title, its system prompt, and its export buttons.
import type { Conversation } from '../../chat/types.ts';
import { exportJson, exportMarkdown } from '../store/conversations.ts';
import { SystemPrompt } from './SystemPrompt.tsx';

export function ConversationBar({ conversation }: { conversation: Conversation }) {
  const empty = conversation.messages.length === 0;
  return (
    <div className="conv-bar">
      <div className="conv-bar-row">
        <h2 className="conv-bar-title" data-testid="conversation-title">
          {conversation.title}
        </h2>
        <div className="row">
          <button type="button" className="btn btn-small" disabled={empty} onClick={() => exportMarkdown(conversation)} aria-label="Export as Markdown">
            Markdown
          </button>
          <button type="button" className="btn btn-small" disabled={empty} onClick={() => exportJson([conversation], conversation.title)} aria-label="Export as JSON">
            JSON
          </button>
        </div>
      </div>
      <SystemPrompt conversation={conversation} />
    </div>
  );
}

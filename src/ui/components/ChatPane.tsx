// The middle column: top bar, notices, the open conversation and the composer.
import { selectActive, useConversations } from '../store/conversations.ts';
import { Composer } from './Composer.tsx';
import { ConversationBar } from './ConversationBar.tsx';
import { DeviceLostNotice } from './DeviceLostNotice.tsx';
import { MessageList } from './MessageList.tsx';
import { TopBar } from './TopBar.tsx';
import { UpdateNotice } from './UpdateNotice.tsx';

export function ChatPane() {
  const conversation = useConversations(selectActive);
  return (
    <main className="chat">
      <TopBar />
      <UpdateNotice />
      <DeviceLostNotice />
      {conversation && <ConversationBar conversation={conversation} />}
      <MessageList conversation={conversation} />
      <Composer />
    </main>
  );
}

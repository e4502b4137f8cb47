// `bitnet-web tokenize MODEL (--text TEXT | --chat-json FILE)`: the exact ids the engine would feed
// the model, with their pieces.
import { readFile } from 'node:fs/promises';
import { formatChat, type ChatMessage } from '../model/chat-format.ts';
import { openWithTokenizer, parseCommand, printJson, requireModelArg, UsageError } from './common.ts';

const USAGE = 'bitnet-web tokenize MODEL (--text TEXT | --chat-json FILE) [--json]';

export async function tokenize(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(argv, { text: { type: 'string' }, 'chat-json': { type: 'string' } }, USAGE);
  if ((values.text === undefined) === (values['chat-json'] === undefined)) throw new UsageError(`give exactly one of --text or --chat-json\nusage: ${USAGE}`);
  const { model, tokenizer, close } = await openWithTokenizer(requireModelArg(positionals, USAGE));
  try {
    const ids = values.text !== undefined ? tokenizer.encode(values.text) : formatChat(tokenizer, await readMessages(values['chat-json']!), { chatTemplate: model.chatTemplate });
    const pieces = tokenizer.pieces(ids);
    if (values.json) return printJson({ ids, pieces });
    console.log(ids.join(','));
    for (let i = 0; i < ids.length; i++) console.log(`${String(ids[i]).padStart(7)}  ${JSON.stringify(pieces[i])}`);
  } finally {
    await close();
  }
}

/** A JSON file holding [{role, content}, ...] or {messages: [...]}. */
export async function readMessages(path: string): Promise<ChatMessage[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
  const messages = Array.isArray(json) ? json : (json as { messages?: unknown }).messages;
  const ok = Array.isArray(messages) && messages.every((m) => m && ['system', 'user', 'assistant'].includes(m.role) && typeof m.content === 'string');
  if (!ok) throw new UsageError(`${path}: expected a JSON array of {"role": "system"|"user"|"assistant", "content": "..."}`);
  return messages as ChatMessage[];
}

// Conversations as files: JSON (the app's own format, which import reads back) and Markdown
// (for people; not importable).
import type { Conversation, ReplyStats } from './types.ts';

export const EXPORT_FORMAT = 'bitnet-web-chat';
export const EXPORT_VERSION = 1;

export interface ChatExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  conversations: Conversation[];
}

export function toJson(conversations: readonly Conversation[], now: Date): string {
  const doc: ChatExport = { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: now.toISOString(), conversations: [...conversations] };
  return JSON.stringify(doc, null, 2) + '\n';
}

/** The one-line summary of a reply's numbers, as the message stats line shows it. */
export function statsLine(s: ReplyStats): string {
  const parts = [
    `${s.generatedTokens} tokens`,
    `prefill ${s.prefillTokPerS.toFixed(1)} tok/s`,
    `decode ${s.decodeTokPerS.toFixed(1)} tok/s`,
    `first token ${s.ttftMs < 1000 ? `${Math.round(s.ttftMs)} ms` : `${(s.ttftMs / 1000).toFixed(2)} s`}`,
    `reused ${s.reusedTokens}/${s.promptTokens} prompt tokens`,
  ];
  if (s.stopReason !== 'stop-token') parts.push(STOP_TEXT[s.stopReason]);
  return parts.join(' · ');
}

const STOP_TEXT: Record<Exclude<ReplyStats['stopReason'], 'stop-token'>, string> = {
  'max-tokens': 'stopped at the token limit',
  'context-full': 'stopped: context full',
  aborted: 'stopped by you',
};

export function toMarkdown(c: Conversation): string {
  const out = [`# ${c.title}`, ''];
  if (c.systemPrompt.trim() !== '') out.push('**System prompt:**', '', quote(c.systemPrompt), '');
  for (const m of c.messages) {
    out.push(`## ${m.role === 'user' ? 'User' : 'Assistant'}`, '', m.content.trim(), '');
    if (m.stats) out.push(`_${[m.stats.model, m.stats.backend, statsLine(m.stats)].filter(Boolean).join(' · ')}_`, '');
  }
  return out.join('\n');
}

function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `> ${l}`.trimEnd())
    .join('\n');
}

/** A file name from the title: lowercase words and dashes, never empty. */
export function fileSlug(title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents split off by NFKD: "é" -> "e"
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug === '' ? 'chat' : slug;
}

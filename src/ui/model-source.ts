// What the user typed in "Add a model" as a ModelSource: "owner/name" (plus an optional file) is a
// hub repo; a hub URL (repo page or file link) is read as that repo; any other http(s) URL is a
// direct download of one file.
import type { ModelSource, StoredSource, CachedModel } from '../storage/types.ts';

export type ParsedSource = { ok: true; source: ModelSource } | { ok: false; error: string };

const REPO = /^[\w.-]+\/[\w.-]+$/;

function hubSource(repo: string, revision: string | undefined, file: string | undefined): ModelSource {
  return { kind: 'hub', repo, ...(revision === undefined ? {} : { revision }), ...(file ? { files: [file] } : {}) };
}

export function parseModelSource(repoOrUrl: string, fileText: string, hubBase: string): ParsedSource {
  const text = repoOrUrl.trim();
  const file = fileText.trim().replace(/^\/+/, '');
  if (text === '') return { ok: false, error: 'Enter a Hugging Face repo (owner/name) or a URL.' };
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, error: `"${text}" is not a valid URL.` };
    }
    const hub = new URL(hubBase);
    if (url.origin === hub.origin && url.pathname.startsWith(hub.pathname.replace(/\/?$/, '/'))) {
      // /owner/name, /owner/name/tree/<rev>, /owner/name/resolve/<rev>/<file>, /owner/name/blob/<rev>/<file>
      const parts = url.pathname.slice(hub.pathname.replace(/\/?$/, '/').length).split('/').filter(Boolean).map(decodeURIComponent);
      const repo = parts.slice(0, 2).join('/');
      if (REPO.test(repo)) {
        const [, , kind, revision, ...rest] = parts;
        if (kind === undefined) return { ok: true, source: hubSource(repo, undefined, file) };
        if ((kind === 'resolve' || kind === 'blob') && revision !== undefined && rest.length > 0) {
          return { ok: true, source: hubSource(repo, revision, rest.join('/')) };
        }
        if (kind === 'tree' && revision !== undefined) return { ok: true, source: hubSource(repo, revision, file) };
      }
    }
    if (file !== '') return { ok: false, error: 'A direct URL names its file already: leave "File" empty.' };
    return { ok: true, source: { kind: 'url', url: url.href } };
  }
  if (!REPO.test(text)) return { ok: false, error: `"${text}" is neither a Hugging Face repo (owner/name) nor an http(s) URL.` };
  return { ok: true, source: hubSource(text, undefined, file) };
}

/** The source to resume or repair a cached model from; a local file must be picked again. */
export function resumeSource(model: CachedModel): ModelSource | undefined {
  const s: StoredSource = model.source;
  if (s.kind === 'hub') return { kind: 'hub', repo: s.repo, revision: s.revision, files: model.files.map((f) => f.name) };
  if (s.kind === 'url') return { kind: 'url', url: s.url };
  return undefined;
}

export function describeSource(s: StoredSource | ModelSource): string {
  if (s.kind === 'hub') return s.repo;
  if (s.kind === 'url') return s.url;
  return 'file' in s ? `local file ${s.file.name}` : `local file ${s.name}`;
}

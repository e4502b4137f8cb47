// From a ModelSource to what the model is made of: its stable id, label, format, files and sizes,
// and where each file's bytes come from.
import { chooseHubFiles, discoverHubFiles, hubFileUrl, isGguf } from './hub.ts';
import { httpError, networkError } from './http.ts';
import type { PlannedModel } from './manifest.ts';
import { StorageError, type ModelSource, type StoredSource } from './types.ts';

export const DEFAULT_REVISION = 'main';

/** Stable, readable ids: the same source always maps to the same cached model. */
export const hubModelId = (repo: string, revision: string, gguf?: string) => `hub:${repo}@${revision}${gguf ? `:${gguf}` : ''}`;
export const urlModelId = (url: string) => `url:${url}`;
export const localModelId = (f: { name: string; size: number; lastModified: number }) => `local:${f.name}:${f.size}:${f.lastModified}`;

export function modelLabel(source: StoredSource, gguf?: string): string {
  switch (source.kind) {
    case 'hub': {
      const rev = source.revision === DEFAULT_REVISION ? '' : `@${source.revision}`;
      return gguf ? `${source.repo}${rev} (${gguf.split('/').pop()})` : `${source.repo}${rev}`;
    }
    case 'url':
      return fileNameOf(source.url);
    case 'local':
      return source.name;
  }
}

/** The last path segment of a URL, decoded. */
export function fileNameOf(url: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || 'model';
}

/** Where a cached model's file is fetched from again (local files cannot be). */
export function remoteUrl(source: StoredSource, hubBase: string, file: string): string | undefined {
  if (source.kind === 'hub') return hubFileUrl(hubBase, source.repo, source.revision, file);
  if (source.kind === 'url') return source.url;
  return undefined;
}

export async function resolveSource(source: ModelSource, hubBase: string, signal?: AbortSignal): Promise<PlannedModel> {
  switch (source.kind) {
    case 'hub': {
      const stored: StoredSource = { kind: 'hub', repo: source.repo, revision: source.revision ?? DEFAULT_REVISION };
      const all = await discoverHubFiles(hubBase, stored.repo, stored.revision, signal);
      const { files, format } = chooseHubFiles(stored.repo, all, source.files);
      const gguf = format === 'gguf' ? files[0].path : undefined;
      return { id: hubModelId(stored.repo, stored.revision, gguf), label: modelLabel(stored, gguf), format, source: stored, files: files.map((f) => ({ name: f.path, size: f.size, ...(f.sha256 && { sha256: f.sha256 }) })) };
    }
    case 'url': {
      const stored: StoredSource = { kind: 'url', url: source.url };
      const name = fileNameOf(source.url);
      return { id: urlModelId(source.url), label: modelLabel(stored), format: isGguf(name) ? 'gguf' : 'hf', source: stored, files: [{ name, size: await remoteSize(source.url, signal) }] };
    }
    case 'local': {
      const { name, size, lastModified } = source.file;
      const stored: StoredSource = { kind: 'local', name, lastModified };
      return { id: localModelId(source.file), label: modelLabel(stored), format: isGguf(name) ? 'gguf' : 'hf', source: stored, files: [{ name, size }] };
    }
  }
}

/** A HEAD request's Content-Length (after redirects). */
async function remoteSize(url: string, signal?: AbortSignal): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'HEAD', signal });
  } catch (e) {
    throw networkError(url, e, signal);
  }
  if (!res.ok) throw httpError(url, res.status);
  const size = Number(res.headers.get('Content-Length') ?? NaN);
  if (!Number.isSafeInteger(size) || size < 0) throw new StorageError('http', `${url}: the server does not say how big the file is (no Content-Length)`);
  return size;
}

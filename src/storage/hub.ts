// The Hugging Face hub as the model cache sees it: file URLs, the repo tree listing, and which
// files make a model when the user names none.
import { httpError, networkError } from './http.ts';
import { StorageError } from './types.ts';

export interface HubFile {
  path: string;
  size: number;
  /** SHA-256 (hex) of an LFS file: the hub's checksum of the whole file. */
  sha256?: string;
}

/** One entry of `GET /api/models/{repo}/tree/{revision}`. */
interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  oid?: string;
  lfs?: { oid: string; size: number };
}

const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/** The hub answers with a redirect to its CDN; fetch follows it and Range still applies. */
export function hubFileUrl(hubBase: string, repo: string, revision: string, path: string): string {
  return `${trimSlash(hubBase)}/${encodePath(repo)}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
}

export function hubTreeUrl(hubBase: string, repo: string, revision: string): string {
  return `${trimSlash(hubBase)}/api/models/${encodePath(repo)}/tree/${encodeURIComponent(revision)}?recursive=true`;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/** The `rel="next"` URL of a Link header: the hub pages long listings. */
export function nextPageUrl(link: string | null): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const m = /^\s*<([^>]+)>\s*;(.*)$/.exec(part);
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2])) return m[1];
  }
  return undefined;
}

/** Every file of a repo at a revision, with sizes and LFS checksums. */
export async function discoverHubFiles(hubBase: string, repo: string, revision: string, signal?: AbortSignal): Promise<HubFile[]> {
  const files: HubFile[] = [];
  for (let url: string | undefined = hubTreeUrl(hubBase, repo, revision); url; ) {
    let res: Response;
    try {
      res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
    } catch (e) {
      throw networkError(url, e, signal);
    }
    if (!res.ok) throw httpError(url, res.status, res.status === 404 ? `repository ${repo} at revision ${revision} was not found` : undefined);
    const entries = (await res.json()) as TreeEntry[];
    if (!Array.isArray(entries)) throw new StorageError('http', `${url}: the tree listing is not a JSON array`);
    for (const e of entries) {
      if (e.type !== 'file') continue;
      const sha256 = e.lfs && /^[0-9a-f]{64}$/i.test(e.lfs.oid) ? e.lfs.oid.toLowerCase() : undefined;
      files.push(sha256 ? { path: e.path, size: e.size, sha256 } : { path: e.path, size: e.size });
    }
    url = nextPageUrl(res.headers.get('Link'));
  }
  return files;
}

const HF_OPTIONAL = ['tokenizer_config.json', 'generation_config.json'];

/**
 * The files of the model in a repo: `wanted` when given (each must exist), else the GGUF file (the
 * I2_S one among several), else config.json + every *.safetensors + tokenizer.json (+ the optional
 * tokenizer_config.json and generation_config.json).
 */
export function chooseHubFiles(repo: string, all: HubFile[], wanted?: string[]): { files: HubFile[]; format: 'gguf' | 'hf' } {
  const byPath = new Map(all.map((f) => [f.path, f]));
  if (wanted) {
    const missing = wanted.filter((w) => !byPath.has(w));
    if (missing.length) throw new StorageError('not-found', `${repo} has no file ${missing.join(', ')}`);
    if (wanted.length === 0) throw new StorageError('bad-source', `no files named for ${repo}`);
    const files = wanted.map((w) => byPath.get(w)!);
    return { files, format: files.length === 1 && isGguf(files[0].path) ? 'gguf' : 'hf' };
  }
  const ggufs = all.filter((f) => isGguf(f.path));
  if (ggufs.length === 1) return { files: ggufs, format: 'gguf' };
  if (ggufs.length > 1) {
    const i2s = ggufs.filter((f) => /i2_s/i.test(f.path));
    if (i2s.length === 1) return { files: i2s, format: 'gguf' };
    throw new StorageError('bad-source', `${repo} has several GGUF files; choose one of: ${ggufs.map((f) => f.path).join(', ')}`);
  }
  // Root-level weights only: repos keep other copies in folders (original/, onnx/).
  const weights = all.filter((f) => f.path.endsWith('.safetensors') && !f.path.includes('/'));
  const required = ['config.json', 'tokenizer.json'].filter((p) => !byPath.has(p));
  if (weights.length === 0 || required.length) {
    throw new StorageError('bad-source', `${repo} holds no GGUF file and no Hugging Face model (missing: ${[...required, ...(weights.length ? [] : ['*.safetensors'])].join(', ')})`);
  }
  const names = ['config.json', ...weights.map((f) => f.path).sort(), 'tokenizer.json', ...HF_OPTIONAL.filter((p) => byPath.has(p))];
  return { files: names.map((n) => byPath.get(n)!), format: 'hf' };
}

export const isGguf = (path: string) => path.toLowerCase().endsWith('.gguf');

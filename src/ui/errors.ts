// Error text for people: what went wrong and what to do next. Storage errors get advice by code;
// engine errors (EngineError, rebuilt from the worker) already carry a specific message.
import { StorageError, type StorageErrorCode } from '../storage/types.ts';

const STORAGE_ADVICE: Record<StorageErrorCode, string> = {
  quota: 'Not enough storage space. Delete other models or free disk space, then resume.',
  network: 'The network failed. Check the connection and resume: finished parts are kept.',
  http: 'The server refused the request.',
  'not-found': 'Not found. Check the repo and file name.',
  integrity: 'Downloaded data failed its checksum. Use Repair to fetch the damaged parts again.',
  aborted: 'Paused.',
  'bad-source': 'This is not a model this app can use.',
  incomplete: 'The model is not completely downloaded. Resume the download first.',
};

export function describeError(error: unknown): string {
  if (error instanceof StorageError) return `${STORAGE_ADVICE[error.code]} (${error.message})`;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === 'string' && code !== '' && !error.message.includes(code) ? `${error.message} [${code}]` : error.message;
  }
  return String(error);
}

export function isAbort(error: unknown): boolean {
  return (error instanceof StorageError && error.code === 'aborted') || (error instanceof DOMException && error.name === 'AbortError');
}

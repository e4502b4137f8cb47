// The Hugging Face hub address: a saved setting, which a `?hub=<url>` query overrides for one visit
// (tests point the app at a local stand-in this way; it is never saved).

export const DEFAULT_HUB = 'https://huggingface.co';

/** An http(s) URL without trailing slashes, or undefined when the text is not one. */
export function normalizeHubBase(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.search !== '' || url.hash !== '') return undefined;
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

export function hubFromQuery(search: string): string | undefined {
  const value = new URLSearchParams(search).get('hub');
  return value === null ? undefined : normalizeHubBase(value);
}

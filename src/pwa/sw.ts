/// <reference lib="webworker" />
// The service worker: precaches the app shell (HTML, JS, CSS, WASM kernels, icons) so the page
// opens with no network, and gives every same-origin response the cross-origin isolation headers,
// so that WASM threads work on static hosts that cannot send COOP/COEP themselves. Model bytes
// live in IndexedDB and hub requests pass through untouched, so a shell update never touches them.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, addPlugins } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

const ISOLATION: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The response with the isolation headers added (opaque and error responses pass as they are). */
function isolate(response: Response): Response {
  if (response.type === 'opaque' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(ISOLATION)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const isolation: WorkboxPlugin = { handlerWillRespond: async ({ response }) => isolate(response) };

// The first install controls the open page at once (so a static host's page can become isolated);
// later versions wait for the user's go-ahead (SKIP_WAITING below).
clientsClaim();
addPlugins([isolation]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
// Any navigation (also with ?hub=... or a deep path) opens the precached shell.
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
// Other same-origin requests (assets fetched on demand) go to the network, isolated too.
registerRoute(({ url }) => url.origin === self.location.origin, new NetworkOnly({ plugins: [isolation] }));

// The page asks the waiting worker to take over when the user accepts an update.
self.addEventListener('message', (event) => {
  if ((event.data as { type?: string } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

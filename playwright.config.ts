// Browser end-to-end tests: Debian's Chromium (never a downloaded browser). Three servers:
// - the built app served by `vite preview` (the `app` project), as users get it;
// - the Vite dev server for test harness pages under e2e/harness/ (the `webgpu` and `storage`
//   projects), which run modules straight from src/ and never enter the app's production build;
// - e2e/hub-server.mjs, a stand-in for the Hugging Face hub on another origin: generated models
//   under /{repo}/resolve/main/{file} with Range, ETag, CORS and fault injection.
// The app servers send the cross-origin isolation headers of vite.config.ts.
import { defineConfig } from '@playwright/test';

import { APP_PORT, HARNESS_PORT, HUB_PORT } from './e2e/ports.ts';

export default defineConfig({
  testDir: 'e2e',
  timeout: 90_000,
  reporter: [['list']],
  outputDir: 'test-results',
  workers: 1,
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--enable-unsafe-webgpu', '--disable-gpu-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'app', testMatch: /(^|\/)(app|chat|models|pwa|bench-panel)\.spec\.ts$/, use: { baseURL: `http://localhost:${APP_PORT}` } },
    { name: 'webgpu', testMatch: 'webgpu.spec.ts', use: { baseURL: `http://localhost:${HARNESS_PORT}` } },
    { name: 'storage', testMatch: 'storage.spec.ts', use: { baseURL: `http://localhost:${HARNESS_PORT}` } },
  ],
  webServer: [
    {
      command: `export BITNET_HUB_ORIGINS=http://localhost:${HUB_PORT} && npx vite build && npx vite preview --port ${APP_PORT} --strictPort`,
      url: `http://localhost:${APP_PORT}`,
      reuseExistingServer: false,
      timeout: 180_000,
    },
    {
      command: `npx vite --port ${HARNESS_PORT} --strictPort`,
      url: `http://localhost:${HARNESS_PORT}/e2e/harness/webgpu.html`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command: `node e2e/hub-server.mjs --port ${HUB_PORT}`,
      url: `http://localhost:${HUB_PORT}/__hub/health`,
      reuseExistingServer: false,
      timeout: 180_000,
    },
  ],
});

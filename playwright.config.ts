// Browser end-to-end tests: Debian's Chromium (never a downloaded browser). Two servers:
// - the built app served by `vite preview` (app.spec.ts), as users get it;
// - the Vite dev server for test harness pages under e2e/harness/ (webgpu.spec.ts), which run
//   engine modules straight from src/ and never enter the app's production build.
// Both send the cross-origin isolation headers of vite.config.ts (server.headers, preview.headers).
import { defineConfig } from '@playwright/test';

const APP_PORT = 4318;
const HARNESS_PORT = 4319;

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--enable-unsafe-webgpu', '--disable-gpu-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'app', testMatch: 'app.spec.ts', use: { baseURL: `http://localhost:${APP_PORT}` } },
    { name: 'webgpu', testMatch: 'webgpu.spec.ts', use: { baseURL: `http://localhost:${HARNESS_PORT}` } },
  ],
  webServer: [
    {
      command: `npx vite build && npx vite preview --port ${APP_PORT} --strictPort`,
      url: `http://localhost:${APP_PORT}`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
    {
      command: `npx vite --port ${HARNESS_PORT} --strictPort`,
      url: `http://localhost:${HARNESS_PORT}/e2e/harness/webgpu.html`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
});

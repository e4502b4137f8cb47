/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// Cross-origin isolation lets the WASM engine use SharedArrayBuffer threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Where the page may connect: itself and the Hugging Face hub with its download CDNs. Extra
 * origins (a self-hosted mirror, the e2e tests' local hub) come from BITNET_HUB_ORIGINS at build time.
 */
const HUB_ORIGINS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co', ...(process.env.BITNET_HUB_ORIGINS ?? '').split(/\s+/).filter(Boolean)];

/** No inline script and no eval: only 'wasm-unsafe-eval', which compiling the WASM kernels needs. */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  `connect-src 'self' ${HUB_ORIGINS.join(' ')}`,
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** The policy as a <meta> in the built page, for static hosts that send no headers. */
function cspMeta(): Plugin {
  return {
    name: 'bitnet-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  plugins: [
    react(),
    cspMeta(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/pwa',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,wasm,svg,png,webmanifest}'],
        // The bench panel's LLaMA-3 tokenizer (8.8 MB) is fetched when a bench needs it, not precached.
        globIgnores: ['**/tokenizer*.json'],
        maximumFileSizeToCacheInBytes: 8 * 2 ** 20,
      },
      manifest: {
        name: 'bitnet-web: BitNet chat in your browser',
        short_name: 'bitnet-web',
        description: 'Chat with BitNet b1.58 models running entirely in your browser (WebGPU or WASM). No server does inference.',
        theme_color: '#1f2937',
        background_color: '#111827',
        display: 'standalone',
        start_url: '.',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: { ...isolation, 'Content-Security-Policy': `${CSP}; frame-ancestors 'none'` } },
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});

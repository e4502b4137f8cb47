#!/usr/bin/env node
// Entry point of the `bitnet-web` CLI; the TypeScript is compiled to dist-node/ by `npm run build:cli`
// (run automatically by `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs';

const main = new URL('../dist-node/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('bitnet-web: the CLI is not built yet; run `npm run build:cli` (or `npm ci`) first');
  process.exit(1);
}
await import(main.href);

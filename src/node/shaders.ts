// Node only: the WGSL library read from shaders/ at the project root (two levels above both
// src/node/ and dist-node/node/).
import { readdirSync, readFileSync } from 'node:fs';
import type { ShaderLibrary } from '../engine/webgpu/context.ts';

export function loadShaderLibrary(): ShaderLibrary {
  const root = new URL('../../shaders/', import.meta.url);
  const lib: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.wgsl')) lib[entry.slice(0, -5).replaceAll('\\', '/')] = readFileSync(new URL(entry, root), 'utf8');
  }
  return lib;
}

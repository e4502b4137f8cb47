// Browser builds: the WGSL library from shaders/ at the project root, bundled by Vite as strings
// (the Node counterpart, which reads the folder at run time, is src/node/shaders.ts). Keys are the
// paths under shaders/ without the extension: 'rms-norm', 'common/reduce'.
/// <reference types="vite/client" />
import type { ShaderLibrary } from './context.ts';

const PREFIX = '/shaders/';

export function shaderLibrary(): ShaderLibrary {
  // Vite rewrites this call at build time: it must stay a literal import.meta.glob call.
  const files = import.meta.glob<string>('/shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true });
  const lib: Record<string, string> = {};
  for (const [path, source] of Object.entries(files)) lib[path.slice(PREFIX.length, -'.wgsl'.length)] = source;
  return lib;
}

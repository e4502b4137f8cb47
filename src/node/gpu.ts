// Node only: WebGPU through Dawn (the `webgpu` package). Unless told otherwise it runs on
// SwiftShader, the CPU Vulkan driver Debian's Chromium ships: Mesa's lavapipe, which Debian may
// also install, is rejected by Dawn. Set VK_ICD_FILENAMES (or VK_DRIVER_FILES) to use a real GPU.
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Dawn's instance must outlive every device made from it: collecting it crashes the process. */
let instance: GPU | undefined;

export async function nodeGpu(): Promise<GPU> {
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, ... as in a browser
  instance ??= create([]);
  return instance;
}

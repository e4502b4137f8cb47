// GPU failures as one error class with a code callers can act on (the app falls back to WASM on
// any of them): no adapter, missing limits, device loss, validation and out-of-memory errors.

export type GpuErrorCode = 'no-webgpu' | 'no-adapter' | 'limits' | 'device-lost' | 'validation' | 'out-of-memory' | 'internal';

export class GpuError extends Error {
  override name = 'GpuError';
  constructor(
    readonly code: GpuErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Runs `fn` inside validation and out-of-memory error scopes and throws the first error as a GpuError. */
export async function checked<T>(device: GPUDevice, what: string, fn: () => T | Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const result = await fn();
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (oom) throw new GpuError('out-of-memory', `${what}: out of GPU memory (${oom.message})`);
  if (validation) throw new GpuError('validation', `${what}: ${validation.message}`);
  return result;
}

// One WebGPU device for the engine: adapter choice, the limits the model needs (requested from
// the adapter, or a clear "needs X, this adapter offers Y"), optional features, device-loss
// tracking, and WGSL sources assembled from shaders/ with their shared helpers.
import { GpuError } from './errors.ts';

/** WGSL sources by name: `rms-norm` for shaders/rms-norm.wgsl, `common/reduce` for shaders/common/reduce.wgsl. */
export type ShaderLibrary = Readonly<Record<string, string>>;

export interface GpuFeatures {
  /** WGSL `dot4I8Packed` (language feature packed_4x8_integer_dot_product). */
  dot4: boolean;
  subgroups: boolean;
  timestamps: boolean;
}

export interface GpuNeeds {
  /** Largest single buffer binding the model needs (bytes). */
  maxBindingBytes: number;
  /** Storage buffers one shader binds at most. */
  storageBuffersPerStage: number;
}

export class GpuContext {
  lost: GPUDeviceLostInfo | undefined;
  /** The first error no error scope caught (a failed dispatch, out of memory mid-run). */
  uncaptured: GPUError | undefined;
  private readonly modules = new Map<string, GPUShaderModule>();

  private constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: GPUAdapterInfo,
    readonly isFallbackAdapter: boolean,
    readonly features: GpuFeatures,
    private readonly shaders: ShaderLibrary,
  ) {
    void device.lost.then((info) => (this.lost = info));
    device.onuncapturederror = (e) => (this.uncaptured ??= e.error);
  }

  /**
   * Opens a device with the limits `needs` asks for. Any limit the adapter cannot meet fails here
   * with the numbers, rather than later with a validation error.
   */
  static async open(gpu: GPU | undefined, shaders: ShaderLibrary, needs: GpuNeeds, opts: { forceLimits?: Partial<Record<string, number>> } = {}): Promise<GpuContext> {
    if (!gpu) throw new GpuError('no-webgpu', 'WebGPU is not available in this browser or runtime');
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new GpuError('no-adapter', 'no WebGPU adapter was found');
    const limits = adapter.limits;
    const offer = (name: 'maxStorageBufferBindingSize' | 'maxBufferSize' | 'maxStorageBuffersPerShaderStage') => opts.forceLimits?.[name] ?? limits[name];
    // Tensors larger than a binding are split across several buffers, so a binding only has to
    // hold the largest piece; it still has to be at least one row of the largest matrix.
    const bindingBytes = Math.min(offer('maxStorageBufferBindingSize'), offer('maxBufferSize'));
    if (bindingBytes < needs.maxBindingBytes) {
      throw new GpuError('limits', `the model needs storage buffers of ${needs.maxBindingBytes} bytes, this adapter offers ${bindingBytes}`, { need: needs.maxBindingBytes, offer: bindingBytes });
    }
    if (offer('maxStorageBuffersPerShaderStage') < needs.storageBuffersPerStage) {
      throw new GpuError('limits', `the model needs ${needs.storageBuffersPerStage} storage buffers per shader stage, this adapter offers ${offer('maxStorageBuffersPerShaderStage')}`);
    }
    const wanted: GPUFeatureName[] = ['subgroups', 'timestamp-query'];
    const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: Math.min(limits.maxStorageBufferBindingSize, offer('maxStorageBufferBindingSize')),
        maxBufferSize: Math.min(limits.maxBufferSize, offer('maxBufferSize')),
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      },
    });
    const features: GpuFeatures = {
      dot4: gpu.wgslLanguageFeatures?.has('packed_4x8_integer_dot_product') ?? false,
      subgroups: device.features.has('subgroups'),
      timestamps: device.features.has('timestamp-query'),
    };
    const info = adapter.info;
    return new GpuContext(device, info, (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false, features, shaders);
  }

  /** The largest buffer binding this device allows (what split tensors are cut to). */
  get maxBindingBytes(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
  }

  /** A compiled shader module: shaders/<name>.wgsl preceded by the shared files it lists. */
  module(name: string, includes: readonly string[] = []): GPUShaderModule {
    const key = [name, ...includes].join('+');
    let m = this.modules.get(key);
    if (!m) {
      const parts = [...includes, name].map((n) => {
        const src = this.shaders[n];
        if (src === undefined) throw new GpuError('internal', `shader ${n}.wgsl is missing from the shader library`);
        return src;
      });
      m = this.device.createShaderModule({ label: key, code: parts.join('\n') });
      this.modules.set(key, m);
    }
    return m;
  }

  /** Throws once the device is gone (GpuError 'device-lost') or a GPU error went uncaught. */
  assertAlive(): void {
    if (this.lost) throw new GpuError('device-lost', `the GPU device was lost (${this.lost.reason}: ${this.lost.message})`, { reason: this.lost.reason });
    const e = this.uncaptured;
    if (e) throw new GpuError(e instanceof GPUOutOfMemoryError ? 'out-of-memory' : 'validation', `a GPU command failed: ${e.message}`);
  }
}

// What every kernel shares: a pipeline built once from its WGSL file, and bound instances whose
// bind group and uniform parameters are created once at load, then only encoded per step.
import type { GpuContext } from './context.ts';

/** A uniform field: u32 or f32, written in declaration order (WGSL packs these 4-byte fields tightly). */
export type ParamValue = { u32: number } | { f32: number };

/** Packs a Params struct: fields in order, padded to 16 bytes as uniform buffers require. */
export function packParams(fields: ParamValue[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(buf);
  fields.forEach((f, i) => ('u32' in f ? view.setUint32(i * 4, f.u32, true) : view.setFloat32(i * 4, f.f32, true)));
  return buf;
}

export const u32 = (v: number): ParamValue => ({ u32: v });
export const f32 = (v: number): ParamValue => ({ f32: v });

export interface Binding {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}

/** A kernel bound to its buffers: encodes one dispatch into a compute pass. */
export interface BoundKernel {
  encode(pass: GPUComputePassEncoder, workgroups: number | [number, number, number]): void;
}

export class Kernel {
  readonly pipeline: GPUComputePipeline;

  constructor(
    protected readonly ctx: GpuContext,
    readonly name: string,
    includes: readonly string[],
    constants: Record<string, number> = {},
  ) {
    this.pipeline = ctx.device.createComputePipeline({
      label: name,
      layout: 'auto',
      compute: { module: ctx.module(name, includes), entryPoint: 'main', constants },
    });
  }

  /** Binds buffers (in binding order) plus a uniform Params buffer as the last binding. */
  bind(label: string, buffers: (GPUBuffer | Binding)[], params: ParamValue[]): BoundKernel {
    const device = this.ctx.device;
    const data = packParams(params);
    const uniform = device.createBuffer({ label: `${label}.params`, size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniform, 0, data);
    const entries: GPUBindGroupEntry[] = [...buffers, uniform].map((b, binding) => ({
      binding,
      resource: b instanceof GPUBuffer ? { buffer: b } : { buffer: b.buffer, offset: b.offset, size: b.size },
    }));
    const group = device.createBindGroup({ label, layout: this.pipeline.getBindGroupLayout(0), entries });
    return {
      encode: (pass, workgroups) => {
        pass.setPipeline(this.pipeline);
        pass.setBindGroup(0, group);
        const [x, y, z] = typeof workgroups === 'number' ? [workgroups, 1, 1] : workgroups;
        pass.dispatchWorkgroups(x, y, z);
      },
    };
  }
}

/** A bound kernel that also knows how many workgroups to dispatch for a step of `nTokens` tokens. */
export interface SizedKernel extends BoundKernel {
  workgroups(nTokens: number): [number, number, number];
}

/**
 * `n` workgroups as a 2D grid, x at most 65535 (WebGPU's default maxComputeWorkgroupsPerDimension).
 * Shaders flatten it as wg.x + wg.y * num_workgroups.x and skip the surplus of the last row.
 */
export function grid(n: number): [number, number, number] {
  const x = Math.min(n, 65535);
  return [x, x === 0 ? 0 : Math.ceil(n / x), 1];
}

// One profiled prefill and one profiled decode run on the WebGPU engine, after the timed runs (so
// that those stay on the normal path): per-kernel GPU time from timestamp-query, for the CLI and the panel.
import { summarizeProfiles, type ProfileSummary } from '../engine/webgpu/profile.ts';
import type { WebGpuEngine } from '../engine/webgpu-engine.ts';
import { benchTokens } from './measure.ts';

export async function profileGpuRuns(engine: WebGpuEngine, vocab: number, p: number, n: number): Promise<{ prefill: ProfileSummary | null; decode: ProfileSummary | null }> {
  engine.setProfiling(true);
  try {
    engine.takeProfiles();
    let prefill: ProfileSummary | null = null;
    let decode: ProfileSummary | null = null;
    if (p > 0) {
      engine.truncate(0);
      await engine.forward(benchTokens(p, 0, vocab));
      prefill = summarizeProfiles(engine.takeProfiles());
    }
    if (n > 0) {
      engine.truncate(0);
      for (const id of benchTokens(n, 1, vocab)) await engine.forward([id]);
      decode = summarizeProfiles(engine.takeProfiles());
    }
    return { prefill, decode };
  } finally {
    engine.setProfiling(false);
    engine.truncate(0);
  }
}

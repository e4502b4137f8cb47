// The benchmark panel's state: the settings (kept in localStorage), the run in progress with its
// live samples, the results, the device's WASM ceilings, and an imported result set to compare against.
import { create } from 'zustand';
import { parseResultSet, resultSet, type BenchResultSet } from '../../bench/result-set.ts';
import { MAX_WASM_THREADS, type BenchRequest, type BenchResult, type Roofline } from '../../worker/protocol.ts';
import { benchRequests, ceilingThreads, type BenchSettings } from './bench-requests.ts';
import { mergeRooflines } from './ceilings.ts';
import { describeError } from '../errors.ts';
import { saveTextFile } from '../save-file.ts';
import { engineClient } from '../store/engine.ts';

export interface LiveSample {
  config: string;
  test: 'pp' | 'tg';
  rep: number;
  tokPerS: number;
}

interface BenchState {
  settings: BenchSettings;
  running: boolean;
  status?: string;
  error?: string;
  samples: LiveSample[];
  results: BenchResult[];
  /** The WASM ceilings measured in this tab, one per thread count (the latest). */
  rooflines: Roofline[];
  measuring: boolean;
  roofStatus?: string;
  roofError?: string;
  imported?: { name: string; set: BenchResultSet };
  importError?: string;
}

const KEY = 'bitnet-bench-settings';
const DEFAULTS: BenchSettings = { model: 'generated', shape: 'tiny', format: 'i2_s', webgpu: true, wasm: true, threads: '1', lmHeads: ['exact'], p: 128, n: 64, r: 3, profile: true };

function saved(): BenchSettings {
  try {
    return { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<BenchSettings>) };
  } catch {
    return DEFAULTS;
  }
}

export const useBench = create<BenchState>()(() => ({ settings: saved(), running: false, samples: [], results: [], rooflines: [], measuring: false }));

export function setBenchSettings(patch: Partial<BenchSettings>): void {
  const settings = { ...useBench.getState().settings, ...patch };
  localStorage.setItem(KEY, JSON.stringify(settings));
  useBench.setState({ settings });
}

const label = (r: BenchRequest) => (r.backend === 'webgpu' ? 'WebGPU' : `WASM ${r.threads}t${r.lmHead === 'int8' ? ' int8 head' : ''}`);

export async function runBench(): Promise<void> {
  let requests: BenchRequest[];
  try {
    requests = benchRequests(useBench.getState().settings);
  } catch (e) {
    useBench.setState({ error: (e as Error).message });
    return;
  }
  useBench.setState({ running: true, error: undefined, samples: [], results: [] });
  try {
    for (const req of requests) {
      const config = label(req);
      useBench.setState({ status: `${config}: starting` });
      const result = await engineClient().bench(req, (e) => {
        if (e.test && e.tokPerS !== undefined) {
          const sample: LiveSample = { config, test: e.test, rep: e.rep ?? 0, tokPerS: e.tokPerS };
          useBench.setState((s) => ({ samples: [...s.samples, sample], status: `${config}: ${e.test} run ${(e.rep ?? 0) + 1} of ${req.r}` }));
        } else useBench.setState({ status: `${config}: ${e.phase === 'generate' ? 'generating the model' : e.phase === 'load' ? 'loading the engine' : e.phase === 'profile' ? 'profiling kernels' : 'running'}` });
      });
      useBench.setState((s) => ({ results: [...s.results, result] }));
    }
    useBench.setState({ status: 'done' });
  } catch (e) {
    useBench.setState({ error: describeError(e), status: undefined });
  } finally {
    useBench.setState({ running: false });
  }
}

/** The most WASM threads this page runs (as the worker caps them), for the default ceilings. */
export const pageThreads = () => (crossOriginIsolated ? Math.min(navigator.hardwareConcurrency || 1, MAX_WASM_THREADS) : 1);

export async function measureCeilings(): Promise<void> {
  let threads: number[];
  try {
    threads = ceilingThreads(useBench.getState().settings, pageThreads());
  } catch (e) {
    useBench.setState({ roofError: (e as Error).message });
    return;
  }
  useBench.setState({ measuring: true, roofError: undefined });
  try {
    const fresh = await engineClient().roofline(threads, (t) => useBench.setState({ roofStatus: `measuring at ${t} thread${t === 1 ? '' : 's'} (${threads.indexOf(t) + 1} of ${threads.length})` }));
    useBench.setState((s) => ({ rooflines: mergeRooflines(s.rooflines, fresh), roofStatus: 'done' }));
  } catch (e) {
    useBench.setState({ roofError: describeError(e), roofStatus: undefined });
  } finally {
    useBench.setState({ measuring: false });
  }
}

export function stopBench(): void {
  engineClient().stop();
}

export function currentSet(): BenchResultSet {
  const { results, rooflines } = useBench.getState();
  return resultSet(results, { user_agent: navigator.userAgent, hardware_concurrency: navigator.hardwareConcurrency, cross_origin_isolated: crossOriginIsolated }, rooflines);
}

export function exportResults(): void {
  saveTextFile(`bitnet-web-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify(currentSet(), null, 2), 'application/json');
}

export async function importResults(file: File): Promise<void> {
  try {
    useBench.setState({ imported: { name: file.name, set: parseResultSet(await file.text()) }, importError: undefined });
  } catch (e) {
    useBench.setState({ importError: `${file.name}: ${(e as Error).message}` });
  }
}

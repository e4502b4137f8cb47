// What to measure: the model (generated of a shape, or the loaded one), backends, WASM thread
// counts and LM heads, and the llama-bench parameters.
import type { WeightFormat } from '../../model/synthetic.ts';
import type { LmHeadMode } from '../../worker/protocol.ts';
import type { BenchSettings } from './bench-requests.ts';
import { runBench, setBenchSettings, stopBench, useBench } from './bench-store.ts';

const FORMATS: WeightFormat[] = ['i2_s', 'tq2_0', 'tq1_0', 'hf'];
const HEADS: { value: LmHeadMode; label: string }[] = [
  { value: 'exact', label: 'exact' },
  { value: 'int8', label: 'int8 (approximate)' },
];

function NumberField({ name, label, value }: { name: 'p' | 'n' | 'r'; label: string; value: number }) {
  return (
    <label className="field">
      {label}
      <input className="input" type="number" min={name === 'r' ? 1 : 0} max={4096} value={value} data-testid={`bench-${name}`} onChange={(e) => setBenchSettings({ [name]: Number(e.target.value) } as Partial<BenchSettings>)} />
    </label>
  );
}

export function BenchForm() {
  const s = useBench((st) => st.settings);
  const running = useBench((st) => st.running);
  // One measurement at a time: a run beside the ceilings would slow both (the worker queues it anyway).
  const measuring = useBench((st) => st.measuring);
  return (
    <form
      className="bench-form card"
      aria-label="Benchmark settings"
      onSubmit={(e) => {
        e.preventDefault();
        void runBench();
      }}
    >
      <fieldset className="bench-group">
        <legend>Model</legend>
        <label className="row">
          <input type="radio" name="bench-model" checked={s.model === 'generated'} onChange={() => setBenchSettings({ model: 'generated' })} data-testid="bench-model-generated" />
          Random weights generated here (no download)
        </label>
        <label className="row">
          <input type="radio" name="bench-model" checked={s.model === 'loaded'} onChange={() => setBenchSettings({ model: 'loaded' })} data-testid="bench-model-loaded" />
          The loaded model
        </label>
        {s.model === 'generated' && (
          <div className="row">
            <label className="field grow">
              Shape
              <input className="input mono" list="bench-shapes" value={s.shape} data-testid="bench-shape" onChange={(e) => setBenchSettings({ shape: e.target.value })} />
              <datalist id="bench-shapes">
                <option value="tiny" />
                <option value="2b4t" />
              </datalist>
            </label>
            <label className="field">
              Format
              <select className="input" value={s.format} data-testid="bench-format" onChange={(e) => setBenchSettings({ format: e.target.value as WeightFormat })}>
                {FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
      </fieldset>
      <fieldset className="bench-group">
        <legend>Backends</legend>
        <label className="row">
          <input type="checkbox" checked={s.webgpu} onChange={(e) => setBenchSettings({ webgpu: e.target.checked })} data-testid="bench-webgpu" /> WebGPU
        </label>
        <label className="row">
          <input type="checkbox" checked={s.wasm} onChange={(e) => setBenchSettings({ wasm: e.target.checked })} data-testid="bench-wasm" /> WASM, threads
          <input className="input bench-threads mono" aria-label="WASM thread counts" value={s.threads} data-testid="bench-threads" onChange={(e) => setBenchSettings({ threads: e.target.value })} />
        </label>
        <div className="row wrap" role="group" aria-labelledby="bench-heads-label">
          <span id="bench-heads-label">WASM LM head</span>
          {HEADS.map((h) => (
            <label key={h.value} className="row">
              <input
                type="checkbox"
                checked={s.lmHeads.includes(h.value)}
                data-testid={`bench-head-${h.value}`}
                onChange={(e) => setBenchSettings({ lmHeads: HEADS.map((x) => x.value).filter((v) => (v === h.value ? e.target.checked : s.lmHeads.includes(v))) })}
              />
              {h.label}
            </label>
          ))}
        </div>
        <label className="row">
          <input type="checkbox" checked={s.profile} onChange={(e) => setBenchSettings({ profile: e.target.checked })} data-testid="bench-profile" /> Per-kernel GPU times (timestamp-query)
        </label>
      </fieldset>
      <fieldset className="bench-group row">
        <legend>Tests</legend>
        <NumberField name="p" label="Prefill tokens (pp)" value={s.p} />
        <NumberField name="n" label="Decode tokens (tg)" value={s.n} />
        <NumberField name="r" label="Repetitions" value={s.r} />
      </fieldset>
      <div className="row">
        {running ? (
          <button type="button" className="btn btn-danger" onClick={stopBench} data-testid="bench-stop">
            Stop
          </button>
        ) : (
          <button type="submit" className="btn btn-primary" disabled={measuring} data-testid="bench-run">
            Run benchmark
          </button>
        )}
      </div>
    </form>
  );
}

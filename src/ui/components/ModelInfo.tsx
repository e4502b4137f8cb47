// The loaded model's shape and format, as the worker read it from the files, and what runs it.
import { formatMs } from '../format.ts';
import { useEngine } from '../store/engine.ts';
import { StatTable } from './StatTable.tsx';

export function ModelInfo() {
  const model = useEngine((s) => s.model);
  const backend = useEngine((s) => s.backend);
  const loadMs = useEngine((s) => s.loadMs);
  if (!model) return null;
  return (
    <section className="card" aria-labelledby="model-info-heading" data-testid="model-info" data-lm-head={backend?.lmHead}>
      <h3 id="model-info-heading">Model</h3>
      <StatTable
        rows={[
          ['Name', model.name],
          ['Weights', model.weightFormat],
          ['Embeddings', model.embeddingType],
          ['Shape', `${model.nLayers} layers × ${model.dim}`],
          ['Vocabulary', model.vocabSize.toLocaleString()],
          ['Context', `${model.contextSize.toLocaleString()} tokens`],
          ['Backend', backend ? `${backend.backend === 'webgpu' ? 'WebGPU' : 'WASM'}: ${backend.reason}` : '–'],
          ['LM head', backend ? `${backend.lmHead}${backend.lmHeadReason ? ` (${backend.lmHeadReason})` : ''}` : '–'],
          ['Load time', loadMs === undefined ? '–' : formatMs(loadMs)],
        ]}
      />
    </section>
  );
}

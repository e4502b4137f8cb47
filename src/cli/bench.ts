// `bitnet-web bench MODEL`: llama-bench style prefill (pp) and decode (tg) speed, median and spread
// over repetitions, with the bytes one decoded token reads and the bandwidth that implies.
import { rowBytes } from '../engine/layout.ts';
import type { ModelFile } from '../model/model-file.ts';
import { modelSlots } from '../model/tensors.ts';
import { createEngine, median, parseBackend, parseCommand, parseNumber, printJson, requireModelArg } from './common.ts';
import { openModelPath } from '../node/model-files.ts';

const USAGE = 'bitnet-web bench MODEL [-p 128] [-n 64] [-r 3] [--backend reference|wasm] [--json]';

/** Bytes a decode step streams: every packed ternary matrix once, plus the LM head. */
export function decodeBytesPerToken(model: ModelFile): number {
  const ternary = modelSlots(model.config).filter((s) => s.kind === 'ternary').reduce((a, s) => a + s.rows * rowBytes(s.cols), 0);
  return ternary + model.matrixInfo(model.lmHead).bytes;
}

function stats(samples: number[]) {
  const m = median(samples);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, samples.length - 1));
  return { median: m, mean, stddev: sd, min: Math.min(...samples), max: Math.max(...samples), samples };
}

export async function bench(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(argv, { p: { type: 'string', short: 'p' }, n: { type: 'string', short: 'n' }, r: { type: 'string', short: 'r' }, backend: { type: 'string' } }, USAGE);
  const backend = parseBackend(values.backend);
  const int = (v: number) => Number.isInteger(v) && v >= 0;
  const p = parseNumber('p', values.p, 128, int);
  const n = parseNumber('n', values.n, 64, int);
  const r = parseNumber('r', values.r, 3, (v) => int(v) && v >= 1);
  const { model, close } = await openModelPath(requireModelArg(positionals, USAGE));
  try {
    const vocab = model.config.vocabSize;
    const engine = await createEngine(model, backend, Math.max(p, n + 1, 1));
    const tokens = (len: number, salt: number) => Array.from({ length: len }, (_, i) => (i * 7919 + salt * 104729) % vocab);
    const pp: number[] = [];
    const tg: number[] = [];
    try {
      await engine.forward([0]); // warm-up: first touches of weights and caches
      for (let rep = 0; rep < r; rep++) {
        if (p > 0) {
          engine.truncate(0);
          const t0 = performance.now();
          await engine.forward(tokens(p, rep));
          pp.push(p / ((performance.now() - t0) / 1000));
        }
        if (n > 0) {
          engine.truncate(0);
          const ids = tokens(n, rep + 1);
          const t0 = performance.now();
          for (const id of ids) await engine.forward([id]);
          tg.push(n / ((performance.now() - t0) / 1000));
        }
      }
      const bytes = decodeBytesPerToken(model);
      const tgStats = n > 0 ? stats(tg) : undefined;
      const result = {
        model: positionals[0], backend, weight_format: model.weightFormat, embedding_type: model.embeddingType, p, n, r,
        prefill_tok_s: p > 0 ? median(pp) : null, decode_tok_s: tgStats?.median ?? null,
        prefill: p > 0 ? stats(pp) : null, decode: tgStats ?? null,
        decode_bytes_per_token: bytes, decode_gb_s: tgStats ? (tgStats.median * bytes) / 1e9 : null, memory: engine.memory(),
      };
      if (values.json) return printJson(result);
      const row = (name: string, s: ReturnType<typeof stats> | null) => s && console.log(`${name.padEnd(8)} ${s.median.toFixed(2).padStart(9)} tok/s  (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}, sd ${s.stddev.toFixed(2)}, ${r} runs)`);
      console.log(`${model.config.arch} ${model.weightFormat}/${model.embeddingType}, backend ${backend}`);
      row(`pp${p}`, result.prefill);
      row(`tg${n}`, result.decode);
      console.log(`decode reads ${(bytes / 1e6).toFixed(1)} MB per token${result.decode_gb_s ? ` = ${result.decode_gb_s.toFixed(2)} GB/s` : ''}`);
    } finally {
      engine.dispose();
    }
  } finally {
    await close();
  }
}

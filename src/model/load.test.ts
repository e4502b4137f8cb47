// openGguf / openHf over generated models: every format gives the generator's config and exact
// weights, the LM-head and type-id rules of spec §4.2-4.6 hold, and missing, misshapen or mistyped
// tensors and bad hyperparameters fail with the right FormatError.

import { beforeAll, describe, expect, test } from 'vitest';
import { expectFormatError } from '../testing/expect-error.ts';
import type { ModelConfig } from './config.ts';
import type { FormatErrorCode } from './errors.ts';
import { quantizeRows } from './float-codecs.ts';
import { openGguf } from './load-gguf.ts';
import { openHf, type HfFiles } from './load-hf.ts';
import { MemorySource } from './source.ts';
import { syntheticRows, syntheticTernary, type EmbeddingFormat } from './synthetic.ts';
import { modelSlots, outputSlot } from './tensors.ts';
import {
  Bytes,
  buildGguf,
  buildHf,
  editGguf,
  editSafetensors,
  expectGeneratorValues,
  firstDifference,
  kv,
  readMatrixValues,
  TEST_SEED,
  tensorPart,
  type GgufParts,
  hfWith,
  splitSafetensors,
  withSafetensor,
} from './test-models.ts';

const FAST = { timeout: 5000 };

const openBytes = (bytes: Uint8Array) => openGguf(new MemorySource(bytes, 'test.gguf'));
const expectGgufError = (bytes: Uint8Array, code: FormatErrorCode, message: RegExp) => expectFormatError(openBytes(bytes), code, message);

/** The generator's config as the readers give it: eps and theta as float32, whatever the format. */
const asF32 = (c: ModelConfig): ModelConfig => ({ ...c, rmsEps: Math.fround(c.rmsEps), ropeTheta: Math.fround(c.ropeTheta) });

const slot = (config: ModelConfig, name: string) => modelSlots(config).find((s) => s.name === name)!;
const f32Bytes = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('GGUF: valid files', FAST, () => {
  test.each([
    { format: 'i2_s', arch: 'bitnet-b1.58', weightFormat: 'I2_S' },
    { format: 'tq2_0', arch: 'bitnet', weightFormat: 'TQ2_0' },
    { format: 'tq1_0', arch: 'bitnet', weightFormat: 'TQ1_0' },
    { format: 'i2_s', arch: 'bitnet', weightFormat: 'I2_S' }, // id 36 through general.file_type 40
  ] as const)('$format with arch $arch: config, formats and every weight exactly', async ({ format, arch, weightFormat }) => {
    const { config, bytes } = await buildGguf({ format, arch });
    const model = await openBytes(bytes);
    expect(model.config).toEqual(asF32(config));
    expect(model.config).toMatchObject({ arch, dim: 256, ffnDim: 256, nLayers: 1, nHeads: 2, nKvHeads: 1, headDim: 128, vocabSize: 556, activation: 'relu2' });
    expect([model.weightFormat, model.embeddingType, model.lmHead]).toEqual([weightFormat, 'F16', 'token_embd']);
    expect(model.tokenizer.kind).toBe('gguf');
    expect(model.chatTemplate).toContain('BITNETAssistant');
    expect(model.describe()).toMatchObject({ ggufVersion: 3, tensors: 13, sizeBytes: bytes.length });
    expect(model.matrixInfo('token_embd')).toEqual({ type: 'F16', rows: 556, cols: 256, bytes: 556 * 256 * 2 });
    await expectGeneratorValues(model);
  });

  test('llama.cpp bitnet files without hidden_activation are SiLU; Microsoft arches are always relu2', async () => {
    expect((await openBytes((await buildGguf({ format: 'tq2_0', activation: 'silu' })).bytes)).config.activation).toBe('silu');
    const { bytes } = await buildGguf({ format: 'i2_s' });
    expect((await openBytes(bytes)).config.activation).toBe('relu2');
  });

  test.each([
    ['f32', 'F32', true],
    ['bf16', 'BF16', true],
    ['q8_0', 'Q8_0', false],
    ['q6_k', 'Q6_K', false],
  ] as const)('%s embedding', async (embedding: EmbeddingFormat, type, exact) => {
    const { config, bytes } = await buildGguf({ format: 'i2_s', embedding });
    const model = await openBytes(bytes);
    expect(model.embeddingType).toBe(type);
    const values = await readMatrixValues(model, slot(config, 'token_embd'));
    const want = syntheticRows(TEST_SEED, slot(config, 'token_embd'), 0, config.vocabSize);
    if (exact) expect(firstDifference(values, want)).toBe(-1);
    else expect(values.every((v, i) => Math.abs(v - want[i]) <= 0.05)).toBe(true); // block quantization error
  });

  test('general.alignment = 64 files read the same weights', async () => {
    const { bytes } = await buildGguf({ format: 'tq1_0' });
    const aligned = editGguf(bytes, (p) => {
      p.kv.set('general.alignment', kv.u32(64));
      p.alignment = 64;
    });
    await expectGeneratorValues(await openBytes(aligned));
  });

  test('an output.weight is the LM head in a bitnet file, but not in a bitnet-b1.58 file (spec §4.6)', async () => {
    const head = outputSlot((await buildGguf({ format: 'tq2_0' })).config);
    const data = quantizeRows('F32', syntheticRows(TEST_SEED + 1, head, 0, head.rows), head.rows, head.cols);
    const addOutput = (p: GgufParts) => p.tensors.push({ name: 'output.weight', ne: [head.cols, head.rows], typeId: 0, data });

    const upstream = await openBytes(editGguf((await buildGguf({ format: 'tq2_0' })).bytes, addOutput));
    expect([upstream.lmHead, upstream.embeddingType]).toEqual(['output', 'F32']);
    expect(firstDifference((await upstream.readMatrix('output')).bytes, data)).toBe(-1);

    const fork = await openBytes(editGguf((await buildGguf({ format: 'i2_s' })).bytes, addOutput));
    expect([fork.lmHead, fork.embeddingType]).toEqual(['token_embd', 'F16']);
  });

  test('an optional F32 <name>.scale tensor multiplies the ternary scale', async () => {
    const { config, bytes } = await buildGguf({ format: 'tq2_0' });
    const model = await openBytes(
      editGguf(bytes, (p) => {
        p.tensors.push({ name: 'blk.0.attn_q.scale', ne: [1], typeId: 0, data: f32Bytes(1.3) });
      }),
    );
    const want = syntheticTernary(TEST_SEED, slot(config, 'blk.0.attn_q'));
    expect((await model.readTernary('blk.0.attn_q')).scale).toBe(Math.fround(want.scale * Math.fround(1.3)));
    expect((await model.readTernary('blk.0.attn_k')).scale).toBe(syntheticTernary(TEST_SEED, slot(config, 'blk.0.attn_k')).scale);
  });

  test('type 36 in a bitnet file without file_type 40 is not I2_S', async () => {
    const { bytes } = await buildGguf({ format: 'i2_s', arch: 'bitnet' });
    await expectGgufError(editGguf(bytes, (p) => p.kv.delete('general.file_type')), 'unknown-type', /tensor blk\.0\.attn_q\.weight has type id 36, which this engine cannot read/);
  });

  test('an unknown type id is fatal on a needed tensor and ignored elsewhere', async () => {
    const { bytes } = await buildGguf({ format: 'i2_s' });
    await expectGgufError(editGguf(bytes, (p) => (tensorPart(p, 'blk.0.ffn_down.weight').typeId = 99)), 'unknown-type', /blk\.0\.ffn_down\.weight has type id 99/);
    const extra = editGguf(bytes, (p) => p.tensors.push({ name: 'rope_freqs.weight', ne: [64], typeId: 99, data: new Uint8Array(64) }));
    await expectGeneratorValues(await openBytes(extra));
  });
});

describe('GGUF: malformed files', FAST, () => {
  let i2s: Uint8Array;
  beforeAll(async () => {
    i2s = (await buildGguf({ format: 'i2_s' })).bytes;
  });
  const edit = (fn: (p: GgufParts) => void) => editGguf(i2s, fn);
  const withKv = (key: string, value: Uint8Array) => edit((p) => p.kv.set(key, value));
  const A = 'bitnet-b1.58';

  test.each(['token_embd', 'blk.0.ffn_up', 'blk.0.attn_sub_norm', 'output_norm'])('missing %s', async (name) => {
    await expectGgufError(edit((p) => (p.tensors = p.tensors.filter((t) => t.name !== `${name}.weight`))), 'missing-tensor', new RegExp(`tensor ${name}\\.weight is missing`));
  });

  test('a tensor shape that differs from the config', async () => {
    const halfQ = edit((p) => {
      const q = tensorPart(p, 'blk.0.attn_q.weight');
      q.ne = [256, 128];
      q.data = q.data.slice(0, (256 * 128) / 4 + 32);
    });
    await expectGgufError(halfQ, 'shape-mismatch', /blk\.0\.attn_q\.weight has shape \[256,128\] but the config needs \[256,256\]/);
    await expectGgufError(withKv(`${A}.feed_forward_length`, kv.u32(512)), 'shape-mismatch', /blk\.0\.ffn_gate\.weight has shape \[256,256\] but the config needs \[256,512\]/);
    await expectGgufError(withKv(`${A}.vocab_size`, kv.u32(600)), 'shape-mismatch', /token_embd\.weight has shape \[256,556\] but the config needs \[256,600\]/);
    await expectGgufError(withKv(`${A}.block_count`, kv.u32(2)), 'missing-tensor', /blk\.1\.attn_norm\.weight is missing/);
  });

  test('a tensor type the engine cannot use for its role', async () => {
    const retype = (name: string, typeId: number, data: Uint8Array) =>
      edit((p) => {
        Object.assign(tensorPart(p, name), { typeId, data });
      });
    await expectGgufError(retype('blk.0.attn_norm.weight', 36, new Uint8Array(256 / 4 + 32)), 'unsupported', /attn_norm\.weight is I2_S, expected one of F32, F16, BF16/);
    await expectGgufError(retype('blk.0.attn_q.weight', 1, new Uint8Array(256 * 256 * 2)), 'unsupported', /attn_q\.weight is F16, expected one of TQ1_0, TQ2_0, I2_S/);
    await expectGgufError(retype('token_embd.weight', 35, new Uint8Array((556 * 256 * 66) / 256)), 'unsupported', /token_embd\.weight is TQ2_0, expected one of F32, F16, BF16, Q8_0, Q6_K/);
    await expectGgufError(retype('blk.0.attn_v.weight', 35, new Uint8Array((128 * 256 * 66) / 256)), 'unsupported', /ternary tensors mix types I2_S, TQ2_0/);
  });

  test('a .scale tensor that is not one F32 value', async () => {
    const scale = (ne: number[], typeId: number, data: Uint8Array) => edit((p) => p.tensors.push({ name: 'blk.0.attn_q.scale', ne, typeId, data }));
    await expectGgufError(scale([1], 1, new Uint8Array(2)), 'shape-mismatch', /blk\.0\.attn_q\.scale must be one F32 value/);
    await expectGgufError(scale([2], 0, f32Bytes(1, 2)), 'shape-mismatch', /blk\.0\.attn_q\.scale must be one F32 value/);
  });

  test.each([
    ['NaN', NaN],
    ['infinite', Infinity],
    ['negative', -1],
  ])('a %s I2_S scale is refused when read', async (_, value) => {
    const model = await openBytes(
      edit((p) => {
        const q = tensorPart(p, 'blk.0.attn_q.weight');
        new DataView(q.data.buffer, q.data.byteOffset).setFloat32((256 * 256) / 4, value, true);
      }),
    );
    await expectFormatError(model.readTernary('blk.0.attn_q'), 'bad-value', /blk\.0\.attn_q scale -?\w+ is not a valid weight scale/);
  });

  test.each([
    ['head_count 0', `${A}.attention.head_count`, kv.u32(0), 'absurd-value', /nHeads = 0 is outside 1\.\.1024/],
    ['head_count not dividing dim', `${A}.attention.head_count`, kv.u32(3), 'bad-value', /dim 256 is not a multiple of 3 heads/],
    ['head_count_kv not dividing head_count', `${A}.attention.head_count_kv`, kv.u32(3), 'bad-value', /2 heads cannot be grouped over 3 KV heads/],
    ['head_count_kv 0', `${A}.attention.head_count_kv`, kv.u32(0), 'bad-value', /cannot be grouped over 0 KV heads/],
    ['head_count_kv 0.5', `${A}.attention.head_count_kv`, kv.f32(0.5), 'bad-value', /cannot be grouped over 0\.5 KV heads/],
    ['negative eps', `${A}.attention.layer_norm_rms_epsilon`, kv.f32(-1e-5), 'bad-value', /rms_norm_eps -0\.0000099\d* must be in \(0, 1\)/],
    ['NaN eps', `${A}.attention.layer_norm_rms_epsilon`, kv.f32(NaN), 'bad-value', /rms_norm_eps NaN must be in \(0, 1\)/],
    ['zero eps', `${A}.attention.layer_norm_rms_epsilon`, kv.f32(0), 'bad-value', /rms_norm_eps 0 must be in \(0, 1\)/],
    ['vocab 2^40', `${A}.vocab_size`, kv.u64(2 ** 40), 'absurd-value', /vocabSize = 1099511627776 is outside 1\.\.16777216/],
    ['block_count 0', `${A}.block_count`, kv.u32(0), 'absurd-value', /nLayers = 0 is outside/],
    ['fractional block_count', `${A}.block_count`, kv.f32(1.5), 'absurd-value', /nLayers = 1\.5 is outside/],
    ['context_length 2^32 - 1', `${A}.context_length`, kv.u32(2 ** 32 - 1), 'absurd-value', /contextLength = 4294967295 is outside/],
    ['block_count as a string', `${A}.block_count`, kv.str('1'), 'missing-key', /metadata bitnet-b1\.58\.block_count is missing or not a number/],
    ['zero rope theta', `${A}.rope.freq_base`, kv.f32(0), 'bad-value', /rope theta 0 must be positive/],
    ['partial RoPE', `${A}.rope.dimension_count`, kv.u32(64), 'unsupported', /partial RoPE \(64 of 128 dims\)/],
    ['unsupported architecture', 'general.architecture', kv.str('llama'), 'unsupported', /architecture llama is not a BitNet model/],
    ['architecture not a string', 'general.architecture', kv.u32(1), 'missing-key', /general\.architecture is missing/],
  ] as const)('config: %s', async (_, key, value, code, message) => {
    await expectGgufError(withKv(key, value), code, message);
  });

  test('config: a required key is missing', async () => {
    await expectGgufError(edit((p) => p.kv.delete(`${A}.embedding_length`)), 'missing-key', /metadata bitnet-b1\.58\.embedding_length is missing/);
    await expectGgufError(edit((p) => p.kv.delete('general.architecture')), 'missing-key', /general\.architecture is missing/);
  });

  test('config: an unknown FFN activation in a bitnet file', async () => {
    const { bytes } = await buildGguf({ format: 'tq2_0' });
    await expectGgufError(editGguf(bytes, (p) => p.kv.set('bitnet.hidden_activation', kv.str('gelu'))), 'unsupported', /FFN activation gelu is not supported/);
  });
});

describe('Hugging Face folders', FAST, () => {
  let hf: Awaited<ReturnType<typeof buildHf>>;
  beforeAll(async () => {
    hf = await buildHf();
  });
  const openWith = (weights?: Uint8Array, config?: Record<string, unknown>) => openHf(hfWith(hf.files, weights, config));
  const Q = 'model.layers.0.self_attn.q_proj';
  const u16 = (v: number) => new Bytes().u16(v).bytes();

  test('config, formats, tokenizer, generation defaults and every weight exactly', async () => {
    const model = await openHf(hf.files);
    expect(model.config).toEqual(asF32(hf.config));
    expect([model.weightFormat, model.embeddingType, model.lmHead]).toEqual(['HF packed', 'BF16', 'token_embd']);
    expect(model.tokenizer).toMatchObject({ kind: 'json', tokenizerJson: hf.files.tokenizerJson });
    expect(model.chatTemplate).toContain('<|eot_id|>');
    expect(model.generation).toEqual({ temperature: 0.6, topP: 0.9 });
    expect(model.matrixInfo('token_embd')).toEqual({ type: 'BF16', rows: 556, cols: 256, bytes: 556 * 256 * 2 });
    await expectGeneratorValues(model);
  });

  test.each(['f16', 'f32'] as const)('%s embedding', async (embedding) => {
    const { files } = await buildHf(embedding);
    const model = await openHf(files);
    expect(model.embeddingType).toBe(embedding.toUpperCase());
    await expectGeneratorValues(model);
  });

  test('weight_scale may be F32 or F16', async () => {
    const want = syntheticTernary(TEST_SEED, slot(hf.config, 'blk.0.attn_q')).scale;
    const f32 = await openWith(withSafetensor(hf.weights, `${Q}.weight_scale`, 'F32', [1], f32Bytes(want)));
    expect((await f32.readTernary('blk.0.attn_q')).scale).toBe(want);
    const f16 = await openWith(withSafetensor(hf.weights, `${Q}.weight_scale`, 'F16', [], u16(0x3e00))); // f16 1.5
    expect((await f16.readTernary('blk.0.attn_q')).scale).toBe(1.5);
  });

  test('tie_word_embeddings false reads lm_head.weight, which must exist', async () => {
    const head = outputSlot(hf.config);
    const data = quantizeRows('F32', syntheticRows(TEST_SEED + 1, head, 0, head.rows), head.rows, head.cols);
    const untied = await openWith(withSafetensor(hf.weights, 'lm_head.weight', 'F32', [head.rows, head.cols], data), { tie_word_embeddings: false });
    expect([untied.lmHead, untied.embeddingType]).toEqual(['output', 'F32']);
    expect(firstDifference((await untied.readMatrix('output')).bytes, data)).toBe(-1);
    await expectFormatError(openWith(undefined, { tie_word_embeddings: false }), 'missing-tensor', /tensor lm_head\.weight is missing/);
  });

  test('missing tensors and weight_scale', async () => {
    const drop = (name: string) => editSafetensors(hf.weights, (h) => delete h[name]);
    await expectFormatError(openWith(drop(`${Q}.weight_scale`)), 'missing-tensor', /tensor model\.layers\.0\.self_attn\.q_proj\.weight_scale is missing/);
    await expectFormatError(openWith(drop('model.layers.0.mlp.down_proj.weight')), 'missing-tensor', /mlp\.down_proj\.weight is missing/);
    await expectFormatError(openWith(drop('model.norm.weight')), 'missing-tensor', /model\.norm\.weight is missing/);
  });

  test('misshapen or mistyped tensors', async () => {
    const retype = (name: string, dtype: string, shape: number[]) => editSafetensors(hf.weights, (h) => Object.assign(h[name], { dtype, shape }));
    await expectFormatError(openWith(retype(`${Q}.weight`, 'U8', [256, 64])), 'shape-mismatch', /q_proj\.weight is U8\[256,64\] but the config needs U8\[64,256\]/);
    await expectFormatError(openWith(retype(`${Q}.weight`, 'I8', [64, 256])), 'shape-mismatch', /q_proj\.weight is I8\[64,256\] but the config needs U8\[64,256\]/);
    await expectFormatError(openWith(retype(`${Q}.weight`, 'BF16', [32, 256])), 'shape-mismatch', /needs U8\[64,256\]/);
    await expectFormatError(openWith(retype('model.norm.weight', 'U16', [256])), 'shape-mismatch', /model\.norm\.weight is U16\[256\] but the config needs float\[256\]/);
    await expectFormatError(openWith(retype('model.embed_tokens.weight', 'BF16', [256, 556])), 'shape-mismatch', /needs float\[556,256\]/);
    await expectFormatError(openWith(withSafetensor(hf.weights, `${Q}.weight_scale`, 'BF16', [2], new Uint8Array(4))), 'shape-mismatch', /q_proj\.weight_scale must hold one float/);
    await expectFormatError(openWith(withSafetensor(hf.weights, `${Q}.weight_scale`, 'U16', [1], new Uint8Array(2))), 'shape-mismatch', /q_proj\.weight_scale must hold one float/);
  });

  test.each([
    ['NaN', 0x7fc0],
    ['negative', 0xbf80],
    ['infinite', 0x7f80],
  ])('a %s weight_scale is refused when read', async (_, bits) => {
    const model = await openWith(withSafetensor(hf.weights, `${Q}.weight_scale`, 'BF16', [1], u16(bits)));
    await expectFormatError(model.readTernary('blk.0.attn_q'), 'bad-value', /q_proj\.weight_scale = -?\w+ is not a valid weight scale/);
  });

  test.each([
    ['num_attention_heads 0', { num_attention_heads: 0 }, 'absurd-value', /nHeads = 0 is outside/],
    ['num_key_value_heads not dividing', { num_key_value_heads: 3 }, 'bad-value', /2 heads cannot be grouped over 3 KV heads/],
    ['hidden_size not dividing', { num_attention_heads: 3 }, 'bad-value', /dim 256 is not a multiple of 3 heads/],
    ['fractional num_key_value_heads', { hidden_size: 384, num_attention_heads: 6, num_key_value_heads: 1.5 }, 'bad-value', /6 heads cannot be grouped over 1\.5 KV heads/],
    ['negative eps', { rms_norm_eps: -1e-5 }, 'bad-value', /rms_norm_eps -0\.00001 must be in \(0, 1\)/],
    ['NaN eps', { rms_norm_eps: NaN }, 'bad-value', /rms_norm_eps NaN must be in \(0, 1\)/],
    ['eps as a string', { rms_norm_eps: '1e-5' }, 'missing-key', /rms_norm_eps is missing or not a number/],
    ['vocab 2^40', { vocab_size: 2 ** 40 }, 'absurd-value', /vocabSize = 1099511627776 is outside/],
    ['missing hidden_size', { hidden_size: undefined }, 'missing-key', /hidden_size is missing or not a number/],
    ['odd head_dim', { head_dim: 127 }, 'bad-value', /head size 127 must be even/],
    ['another architecture', { model_type: 'llama', architectures: ['LlamaForCausalLM'] }, 'unsupported', /model_type llama is not bitnet/],
    ['online quantization (the bf16 master)', { quantization_config: { quant_method: 'bitnet', quantization_mode: 'online' } }, 'unsupported', /online quantization/],
    ['rope_scaling', { rope_scaling: { type: 'linear', factor: 2 } }, 'unsupported', /rope_scaling is not supported/],
    ['an unknown activation', { hidden_act: 'gelu' }, 'unsupported', /FFN activation gelu is not supported/],
  ] as const)('config: %s', async (_, patch, code, message) => {
    await expectFormatError(openWith(undefined, patch), code, message);
  });

  test('several shards are one model', async () => {
    const { header } = splitSafetensors(hf.weights);
    const names = Object.keys(header).filter((n) => n !== '__metadata__');
    const keep = (which: (i: number) => boolean) => editSafetensors(hf.weights, (h) => names.forEach((n, i) => which(i) || delete h[n]));
    const files: HfFiles = { ...hf.files, weights: [new MemorySource(keep((i) => i % 2 === 0)), new MemorySource(keep((i) => i % 2 === 1))] };
    await expectGeneratorValues(await openHf(files));
  });
});

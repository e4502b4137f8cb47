// Opening a cached model's files: a .gguf, or a Hugging Face folder whose JSON files are bytes
// like the weights; and clear errors for what is missing or broken.
import { beforeAll, describe, expect, test } from 'vitest';
import { openGguf } from '../model/load-gguf.ts';
import { openHf } from '../model/load-hf.ts';
import { MemorySource, type ByteSource } from '../model/source.ts';
import { buildGguf, buildHf } from '../model/test-models.ts';
import { expectFormatError } from '../testing/expect-error.ts';
import { openModelFiles } from './open-model.ts';

const bytes = (json: unknown) => new TextEncoder().encode(JSON.stringify(json));
let gguf: Awaited<ReturnType<typeof buildGguf>>;
let hf: Awaited<ReturnType<typeof buildHf>>;
beforeAll(async () => {
  gguf = await buildGguf({ format: 'i2_s' });
  hf = await buildHf();
});

/** The HF folder as the cache would hand it over, with `edit` applied (undefined removes a file). */
function hfFolder(edit: Record<string, Uint8Array | undefined> = {}): Map<string, ByteSource> {
  const files: Record<string, Uint8Array | undefined> = {
    'config.json': bytes(hf.files.config),
    'tokenizer.json': bytes(hf.files.tokenizerJson),
    'tokenizer_config.json': bytes(hf.files.tokenizerConfig),
    'generation_config.json': bytes(hf.files.generationConfig),
    'model.safetensors': hf.weights,
    ...edit,
  };
  return new Map(Object.entries(files).flatMap(([name, b]) => (b ? [[name, new MemorySource(b, name)] as const] : [])));
}

describe('openModelFiles', () => {
  test('one .gguf file', async () => {
    const m = await openModelFiles(new Map([['tiny.gguf', new MemorySource(gguf.bytes, 'tiny.gguf')]]), 'tiny');
    const direct = await openGguf(new MemorySource(gguf.bytes));
    expect(m.config).toEqual(direct.config);
    expect(m.weightFormat).toBe('I2_S');
    expect(await m.readTernary('blk.0.ffn_up')).toEqual(await direct.readTernary('blk.0.ffn_up'));
  });

  test('a Hugging Face folder, its optional files used when present', async () => {
    const m = await openModelFiles(hfFolder({ 'generation_config.json': bytes({ temperature: 0.6, top_p: 0.9 }) }), 'hf');
    const direct = await openHf(hf.files);
    expect(m.config).toEqual(direct.config);
    expect(await m.readTernary('blk.0.ffn_up')).toEqual(await direct.readTernary('blk.0.ffn_up'));
    expect(m.weightFormat).toBe('HF packed');
    expect(m.chatTemplate).toBe((hf.files.tokenizerConfig as { chat_template: string }).chat_template);
    expect(m.generation).toMatchObject({ temperature: 0.6, topP: 0.9 });
    const bare = await openModelFiles(hfFolder({ 'tokenizer_config.json': undefined, 'generation_config.json': undefined }), 'hf');
    expect(bare.config).toEqual(direct.config);
    expect(bare.chatTemplate).toBeUndefined();
    expect(bare.generation).toEqual({});
  });

  test('missing and broken pieces are named', async () => {
    await expectFormatError(openModelFiles(hfFolder({ 'config.json': undefined }), 'hf'), 'missing-key', /hf: config\.json is missing \(the model has generation_config\.json, model\.safetensors, tokenizer\.json/);
    await expectFormatError(openModelFiles(hfFolder({ 'tokenizer.json': undefined }), 'hf'), 'missing-key', /tokenizer\.json is missing/);
    await expectFormatError(openModelFiles(hfFolder({ 'config.json': new TextEncoder().encode('{"hidden_size": 25') }), 'hf'), 'bad-json', /hf\/config\.json is not valid JSON/);
    await expectFormatError(openModelFiles(hfFolder({ 'generation_config.json': bytes([1, 2]) }), 'hf'), 'bad-json', /generation_config\.json is not a JSON object/);
    await expectFormatError(openModelFiles(hfFolder({ 'model.safetensors': undefined }), 'hf'), 'unsupported', /no \.gguf or \.safetensors file among config\.json/);
    await expectFormatError(openModelFiles(new Map(), 'empty'), 'unsupported', /among no files/);
    const two = new Map([['a.gguf', new MemorySource(gguf.bytes)], ['b.gguf', new MemorySource(gguf.bytes)]]);
    await expectFormatError(openModelFiles(two, 'two'), 'unsupported', /several \.gguf files \(a\.gguf, b\.gguf\)/);
    await expectFormatError(openModelFiles(new Map([['x.gguf', new MemorySource(new Uint8Array(32), 'x.gguf')]]), 'x'), 'bad-magic');
  });
});

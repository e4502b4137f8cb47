// safetensors container (spec §3.2): the writer's layout reads back exactly, and malformed headers
// (length, JSON, dtypes, shapes, data_offsets) fail fast with the right FormatError.

import { beforeAll, describe, expect, test } from 'vitest';
import { expectFormatError } from '../testing/expect-error.ts';
import type { FormatErrorCode } from './errors.ts';
import { layoutSafetensors, readSafetensors, type SafetensorsFile } from './safetensors.ts';
import { Bytes, buildHf, editSafetensors, joinSafetensors, patched, RecordingSource, splitSafetensors } from './test-models.ts';

const FAST = { timeout: 3000 };
const Q_PROJ = 'model.layers.0.self_attn.q_proj.weight';

let model: Uint8Array;
beforeAll(async () => {
  model = (await buildHf()).weights;
});

async function read(bytes: Uint8Array): Promise<SafetensorsFile> {
  const src = new RecordingSource(bytes, 'model.safetensors');
  try {
    return await readSafetensors(src);
  } finally {
    expect(src.maxRead).toBeLessThanOrEqual(bytes.length);
  }
}

const expectStError = (bytes: Uint8Array, code: FormatErrorCode, message: RegExp) => expectFormatError(read(bytes), code, message);

/** The generated file with one field of q_proj's entry replaced. */
const withQProj = (field: string, value: unknown) => editSafetensors(model, (h) => (h[Q_PROJ][field] = value));

describe('valid files', FAST, () => {
  test('layoutSafetensors output reads back: dtypes, shapes, offsets, metadata, 8-byte padding', async () => {
    const specs = [
      { name: 'a', dtype: 'BF16', shape: [3, 5] },
      { name: 'b', dtype: 'U8', shape: [7] },
      { name: 'c', dtype: 'F32', shape: [] },
      { name: 'empty', dtype: 'I64', shape: [0, 4] },
    ] as const;
    const { header, offsets, totalBytes } = layoutSafetensors(
      specs.map((s) => ({ ...s, shape: [...s.shape] })),
      { format: 'pt', note: 'ü' },
    );
    expect(header.length % 8).toBe(0);
    const bytes = new Uint8Array(totalBytes);
    bytes.set(header);
    const file = await read(bytes);
    expect(file.metadata).toEqual({ format: 'pt', note: 'ü' });
    expect([...file.tensors.values()]).toEqual([
      { name: 'a', dtype: 'BF16', shape: [3, 5], offset: offsets[0], bytes: 30 },
      { name: 'b', dtype: 'U8', shape: [7], offset: offsets[1], bytes: 7 },
      { name: 'c', dtype: 'F32', shape: [], offset: offsets[2], bytes: 4 },
      { name: 'empty', dtype: 'I64', shape: [0, 4], offset: offsets[3], bytes: 0 },
    ]);
  });

  test('the generated model lists every tensor at its place in the data', async () => {
    const file = await read(model);
    const { header } = splitSafetensors(model);
    const dataStart = model.length - splitSafetensors(model).data.length;
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      expect(file.tensors.get(name), name).toMatchObject({ dtype: entry.dtype, shape: entry.shape, offset: dataStart + entry.data_offsets[0] });
    }
    expect(file.tensors.size).toBe(Object.keys(header).length - 1);
  });

  test('a tensor named __proto__ is an ordinary tensor', async () => {
    const file = await read(joinSafetensors('{"__proto__":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}', new Uint8Array(2)));
    expect(file.tensors.get('__proto__')).toMatchObject({ dtype: 'U8', bytes: 2 });
  });
});

describe('malformed files', FAST, () => {
  test('shorter than the length prefix', async () => {
    await expectStError(model.subarray(0, 7), 'truncated', /7 bytes is too small to be a safetensors file/);
  });

  test.each([
    ['longer than the file', BigInt(2 ** 20), /header length 1048576 does not fit a \d+-byte file/],
    ['2^64 - 1', 2n ** 64n - 1n, /header length 18446744073709552000 does not fit/],
    ['1', 1n, /header length 1 does not fit/],
  ] as const)('header length %s', async (_, length, message) => {
    await expectStError(patched(model, 0, 8, length), 'absurd-value', message);
  });

  test('header cut short by a truncated file', async () => {
    const { data } = splitSafetensors(model);
    await expectStError(model.subarray(0, model.length - data.length - 10), 'absurd-value', /header length \d+ does not fit/);
  });

  test.each([
    ['not JSON', '{"a": {', 'bad-json', /header is not valid JSON/],
    ['a JSON array', '[1, 2]', 'bad-json', /header is not a JSON object/],
    ['JSON null', 'null', 'bad-json', /header is not a JSON object/],
    ['an entry that is not an object', '{"a": 5}', 'bad-json', /entry for a is not an object/],
    ['an entry that is null', '{"a": null}', 'bad-json', /entry for a is not an object/],
  ] as const)('header %s', async (_, header, code, message) => {
    await expectStError(joinSafetensors(header, new Uint8Array(8)), code, message);
  });

  test('header that is not UTF-8', async () => {
    const bytes = new Bytes().u64(4).raw(Uint8Array.of(0x7b, 0x22, 0xff, 0x7d)).bytes();
    await expectStError(bytes, 'bad-json', /not valid JSON/);
  });

  test.each([
    ['unknown', 'F8_E4M3'],
    ['lower-case', 'u8'],
    ['not a string', 4],
    ['missing', undefined],
    ['an Object.prototype name', 'toString'],
    ['__proto__', '__proto__'],
  ])('dtype %s', async (_, dtype) => {
    await expectStError(withQProj('dtype', dtype), 'unknown-type', new RegExp(`tensor ${Q_PROJ} has unknown dtype ${String(dtype)}`));
  });

  test.each([
    ['negative', [-64, 256]],
    ['fractional', [64.5, 256]],
    ['a string', ['64', 256]],
    ['beyond 2^53', [2 ** 60, 256]],
    ['not an array', 64],
    ['nine dimensions', [1, 1, 1, 1, 1, 1, 1, 64, 256]],
  ])('shape %s', async (_, shape) => {
    await expectStError(withQProj('shape', shape), 'absurd-value', new RegExp(`tensor ${Q_PROJ} has an invalid shape`));
  });

  test.each([
    ['past the end', (b: number, e: number) => [b + 2 ** 30, e + 2 ** 30], 'bad-offset', /ends at \d+, past the \d+ bytes of data/],
    ['reversed', (b: number, e: number) => [e, b], 'bad-offset', /invalid data_offsets/],
    ['negative', (_b: number, e: number) => [-1, e], 'bad-offset', /invalid data_offsets \[-1,/],
    ['of three numbers', (b: number, e: number) => [b, e, e], 'bad-offset', /invalid data_offsets/],
    ['as strings', (b: number, e: number) => [String(b), String(e)], 'bad-offset', /invalid data_offsets/],
    ['one byte short of the shape', (b: number, e: number) => [b, e - 1], 'shape-mismatch', /is U8\[64,256\] = 16384 bytes but its range holds 16383/],
  ] as const)('data_offsets %s', async (_, offsets, code, message) => {
    const bytes = editSafetensors(model, (h) => (h[Q_PROJ].data_offsets = offsets(h[Q_PROJ].data_offsets[0], h[Q_PROJ].data_offsets[1])));
    await expectStError(bytes, code, message);
  });

  test('shape that does not match the byte range', async () => {
    await expectStError(withQProj('shape', [128, 256]), 'shape-mismatch', /is U8\[128,256\] = 32768 bytes but its range holds 16384/);
    await expectStError(withQProj('shape', [2 ** 40, 2 ** 40]), 'shape-mismatch', /= 1\.2089258196146292e\+24 bytes/);
  });
});

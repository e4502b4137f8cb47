// GGUF container (spec §4.1): every value type, v2, alignment and large headers read back exactly;
// malformed headers (magic, version, truncation, absurd counts, bad offsets and dimensions,
// duplicates, bad UTF-8) fail fast with the right FormatError and never read beyond the file.

import { beforeAll, describe, expect, test } from 'vitest';
import { expectFormatError } from '../testing/expect-error.ts';
import type { FormatErrorCode } from './errors.ts';
import { readGguf, type GgufFile } from './gguf.ts';
import { layoutGguf, type GgufKvValue } from './gguf-writer.ts';
import {
  Bytes,
  buildGguf,
  editGguf,
  firstDifference,
  GGUF_TYPE,
  joinGguf,
  kv,
  patched,
  RecordingSource,
  replaced,
  splitGguf,
  tensorPart,
} from './test-models.ts';

/** Hostile headers must fail in milliseconds, not stall or allocate. */
const FAST = { timeout: 3000 };

let model: Uint8Array;
beforeAll(async () => {
  model = (await buildGguf({ format: 'i2_s' })).bytes;
});

/** readGguf over the bytes, also checking it never asked for more than the file holds. */
async function read(bytes: Uint8Array): Promise<GgufFile> {
  const src = new RecordingSource(bytes);
  try {
    return await readGguf(src);
  } finally {
    expect(src.maxRead).toBeLessThanOrEqual(bytes.length);
  }
}

const expectGgufError = (bytes: Uint8Array, code: FormatErrorCode, message: RegExp) => expectFormatError(read(bytes), code, message);

/** A GGUF with only the given raw KVs (see `kv`) and no tensors. */
function kvOnly(entries: [string, Uint8Array][], version = 3): Uint8Array {
  return joinGguf({ version, kv: new Map(entries), tensors: [], alignment: 32 });
}

/** The data of one tensor, read back through the offsets readGguf reported. */
function tensorData(bytes: Uint8Array, file: GgufFile, name: string): Uint8Array {
  const t = file.tensors.get(name)!;
  return bytes.subarray(t.offset, t.offset + t.bytes!);
}

describe('valid files', FAST, () => {
  test('every value type of the writer round-trips through layoutGguf', async () => {
    const values: [string, GgufKvValue][] = [
      ['u32', { type: 'u32', value: 4294967295 }],
      ['i32', { type: 'i32', value: -2147483648 }],
      ['f32', { type: 'f32', value: Math.fround(-1.1e-5) }],
      ['bool.true', { type: 'bool', value: true }],
      ['bool.false', { type: 'bool', value: false }],
      ['str', { type: 'str', value: 'Grüße, 世界 🦙' }],
      ['str.empty', { type: 'str', value: '' }],
      ['u64', { type: 'u64', value: Number.MAX_SAFE_INTEGER }],
      ['arr.str', { type: 'arr-str', value: ['a', '', 'ü'] }],
      ['arr.i32', { type: 'arr-i32', value: [-1, 0, 2147483647] }],
      ['arr.f32', { type: 'arr-f32', value: [0.5, -0, Infinity] }],
      ['arr.empty', { type: 'arr-str', value: [] }],
    ];
    const data = [Uint8Array.from({ length: 40 }, (_, i) => i), Uint8Array.from({ length: 12 }, (_, i) => 100 + i)];
    const { header, offsets, totalBytes } = layoutGguf(values, [
      { name: 'a.weight', ne: [10], type: 'F32', bytes: 40 },
      { name: 'b.weight', ne: [2, 3], type: 'F16', bytes: 12 },
    ]);
    const bytes = new Uint8Array(totalBytes);
    bytes.set(header);
    data.forEach((d, i) => bytes.set(d, offsets[i]));

    const file = await read(bytes);
    expect(file.version).toBe(3);
    expect([...file.kv]).toEqual(values.map(([k, v]) => [k, v.value]));
    expect([file.alignment, file.dataOffset]).toEqual([32, header.length]);
    expect(file.tensors.get('b.weight')).toMatchObject({ ne: [2, 3], typeId: 1, type: 'F16', offset: offsets[1], bytes: 12 });
    expect(tensorData(bytes, file, 'a.weight')).toEqual(data[0]);
    expect(tensorData(bytes, file, 'b.weight')).toEqual(data[1]);
  });

  test('hand-written u8, i8, u16, i16, u64, i64 and f64 values and arrays read back exactly', async () => {
    const T = GGUF_TYPE;
    const scalar = (type: number, write: (b: Bytes) => void) => {
      const b = new Bytes().u32(type);
      write(b);
      return b.bytes();
    };
    const array = (elem: number, n: number, write: (b: Bytes) => void) => scalar(T.arr, (b) => write(b.u32(elem).u64(n)));
    const file = await read(
      kvOnly([
        ['u8', scalar(T.u8, (b) => b.u8(255))],
        ['i8', scalar(T.i8, (b) => b.i8(-128))],
        ['u16', scalar(T.u16, (b) => b.u16(65535))],
        ['i16', scalar(T.i16, (b) => b.i16(-32768))],
        ['u64.safe', scalar(T.u64, (b) => b.u64(2 ** 53 - 1))],
        ['u64.max', scalar(T.u64, (b) => b.u64(2n ** 64n - 1n))],
        ['i64.neg', scalar(T.i64, (b) => b.i64(-1))],
        ['i64.min', scalar(T.i64, (b) => b.i64(-(2n ** 63n)))],
        ['f64', scalar(T.f64, (b) => b.f64(Math.PI))],
        ['arr.u8', array(T.u8, 3, (b) => b.u8(0).u8(1).u8(255))],
        ['arr.i16', array(T.i16, 2, (b) => b.i16(-2).i16(300))],
        ['arr.i64', array(T.i64, 2, (b) => b.i64(-5).i64(2n ** 62n))],
        ['arr.bool', array(T.bool, 2, (b) => b.u8(1).u8(0))],
        ['arr.f64', array(T.f64, 1, (b) => b.f64(-0.1))],
      ]),
    );
    expect(Object.fromEntries(file.kv)).toEqual({
      u8: 255,
      i8: -128,
      u16: 65535,
      i16: -32768,
      'u64.safe': 2 ** 53 - 1,
      'u64.max': 2n ** 64n - 1n, // beyond 2^53: kept exact as a bigint
      'i64.neg': -1,
      'i64.min': -(2n ** 63n),
      f64: Math.PI,
      'arr.u8': [0, 1, 255],
      'arr.i16': [-2, 300],
      'arr.i64': [-5, 2n ** 62n],
      'arr.bool': [true, false],
      'arr.f64': [-0.1],
    });
  });

  test('GGUF v2 reads like v3', async () => {
    const v3 = await read(model);
    const v2 = await read(patched(model, 4, 4, 2));
    expect(v2.version).toBe(2);
    expect({ ...v2, version: 3 }).toEqual(v3);
  });

  test('the test helper re-lays out a generated file byte for byte', () => {
    expect(firstDifference(joinGguf(splitGguf(model)), model)).toBe(-1);
  });

  test('general.alignment = 64 starts the data at the next 64-byte boundary and keeps every offset aligned', async () => {
    const aligned64 = (pad: number) =>
      editGguf(model, (p) => {
        p.kv.set('general.alignment', kv.u32(64));
        p.kv.set('general.name', kv.str('x'.repeat(pad)));
        p.alignment = 64;
      });
    // Pad the header until its end lies where the next 32- and 64-byte boundaries differ.
    const differs = (end: number) => end % 64 > 0 && end % 64 <= 32;
    let bytes = aligned64(0);
    for (let pad = 1; !differs(splitGguf(bytes).regions.tableEnd); pad++) bytes = aligned64(pad);
    const { tableEnd } = splitGguf(bytes).regions;
    const [file, original] = [await read(bytes), await read(model)];
    expect([file.alignment, file.dataOffset]).toEqual([64, Math.ceil(tableEnd / 64) * 64]);
    expect(file.dataOffset).not.toBe(Math.ceil(tableEnd / 32) * 32);
    for (const [name, t] of file.tensors) {
      expect((t.offset - file.dataOffset) % 64, name).toBe(0);
      expect(firstDifference(tensorData(bytes, file, name), tensorData(model, original, name)), name).toBe(-1);
    }
  });

  test('headers larger than the 1 MiB read window read back exactly', async () => {
    const many = Array.from({ length: 30000 }, (_, i) => `token-${i}-${'é'.repeat(i % 40)}`);
    const long = 'x'.repeat(1.5 * 2 ** 20);
    const { header } = layoutGguf(
      [
        ['many', { type: 'arr-str', value: many }],
        ['long', { type: 'str', value: long }],
        ['after', { type: 'u32', value: 7 }],
      ],
      [],
    );
    const file = await read(header);
    expect(file.kv.get('many')).toEqual(many);
    expect(file.kv.get('long')).toBe(long);
    expect(file.kv.get('after')).toBe(7);
  });

  test('an unknown type id is reported on use, not while reading the table', async () => {
    const file = await read(editGguf(model, (p) => (tensorPart(p, 'blk.0.attn_q.weight').typeId = 99)));
    expect(file.tensors.get('blk.0.attn_q.weight')).toMatchObject({ typeId: 99, type: undefined, bytes: undefined });
  });

  test('type 36 is I2_S only for a fork architecture or general.file_type 40', async () => {
    const typeOf = async (arch: string, fileType?: number) => {
      const file = await read(
        editGguf(model, (p) => {
          p.kv.set('general.architecture', kv.str(arch));
          if (fileType === undefined) p.kv.delete('general.file_type');
          else p.kv.set('general.file_type', kv.u32(fileType));
        }),
      );
      return file.tensors.get('blk.0.attn_q.weight')!.type;
    };
    expect(await typeOf('bitnet-b1.58')).toBe('I2_S');
    expect(await typeOf('bitnet-25')).toBe('I2_S');
    expect(await typeOf('bitnet', 40)).toBe('I2_S');
    expect(await typeOf('bitnet')).toBeUndefined(); // upstream ggml reserves 36 (a removed IQ4_NL_4_x)
    expect(await typeOf('bitnet', 1)).toBeUndefined();
  });
});

describe('malformed files', FAST, () => {
  test('wrong magic', async () => {
    await expectGgufError(replaced(model, 'GGUF', new TextEncoder().encode('GGML')), 'bad-magic', /not a GGUF file \(magic 0x4c4d4747\)/);
  });

  test.each([1, 4, 0xffffffff])('version %d', async (version) => {
    await expectGgufError(patched(model, 4, 4, version), 'bad-version', new RegExp(`version ${version} is not supported`));
  });

  test('shorter than the fixed header', async () => {
    await expectGgufError(model.subarray(0, 23), 'truncated', /23 bytes is too small/);
  });

  test('truncated anywhere in the header: the message says the file ends', async () => {
    const { kvStart, tableStart, tableEnd } = splitGguf(model).regions;
    const spread = (from: number, to: number, n: number) => Array.from({ length: n }, (_, i) => from + Math.floor(((to - from) * (i + 1)) / (n + 1)));
    const cuts = [0, 10, 24, 30, ...spread(kvStart, tableStart, 12), ...spread(tableStart, tableEnd, 6)];
    for (const cut of cuts) {
      // A count or length that no longer fits is refused where it is read (absurd-value); a
      // fixed-size field cut short is 'truncated'. Either way the message names the file's end.
      await expectFormatError(read(model.subarray(0, cut)), ['truncated', 'absurd-value'], /too small|ends inside|more than the file can hold|cannot fit in the \d+ bytes left|only \d+ bytes remain/);
    }
  });

  test('truncated inside the tensor data', async () => {
    const { dataStart } = splitGguf(model).regions;
    for (const cut of [dataStart, dataStart + 1000, model.length - 1000, model.length - 1]) {
      await expectGgufError(model.subarray(0, cut), 'bad-offset', new RegExp(`runs past the end of the file \\(${cut} bytes\\)`));
    }
  });

  test.each([
    ['n_tensors 2^60', 8, 2n ** 60n, 'absurd-value', /64-bit value 1152921504606846976 at offset 8 is too large/],
    ['n_tensors 2^40', 8, 2n ** 40n, 'absurd-value', /claims 1099511627776 tensors, more than the file can hold/],
    ['n_kv 2^64-1', 16, 2n ** 64n - 1n, 'absurd-value', /64-bit value 18446744073709551615 at offset 16 is too large/],
    ['n_kv 2^40', 16, 2n ** 40n, 'absurd-value', /claims 1099511627776 metadata entries/],
    ['first key length 2^40', 24, 2n ** 40n, 'absurd-value', /metadata key #0 claims a 1099511627776-byte string/],
  ] as const)('%s', async (_, at, value, code, message) => {
    await expectGgufError(patched(model, at, 8, value), code, message);
  });

  test('array count and string length beyond the file', async () => {
    const hugeArray = new Bytes().u32(GGUF_TYPE.arr).u32(GGUF_TYPE.str).u64(2 ** 40).bytes();
    await expectGgufError(kvOnly([['tokenizer.ggml.tokens', hugeArray]]), 'absurd-value', /tokenizer\.ggml\.tokens: array of 1099511627776 elements cannot fit/);
    const hugeU8Array = new Bytes().u32(GGUF_TYPE.arr).u32(GGUF_TYPE.u8).u64(2 ** 53 - 1).bytes();
    await expectGgufError(kvOnly([['a', hugeU8Array]]), 'absurd-value', /array of 9007199254740991 elements/);
    const hugeString = new Bytes().u32(GGUF_TYPE.str).u64(2 ** 32).bytes();
    await expectGgufError(kvOnly([['general.name', hugeString]]), 'absurd-value', /value of general\.name claims a 4294967296-byte string/);
  });

  test('unknown value types and nested arrays', async () => {
    await expectGgufError(kvOnly([['a', new Bytes().u32(13).u32(0).bytes()]]), 'unknown-type', /key a: unknown value type 13/);
    await expectGgufError(kvOnly([['a', new Bytes().u32(GGUF_TYPE.arr).u32(77).u64(1).bytes()]]), 'unknown-type', /unknown array element type 77/);
    const nested = new Bytes().u32(GGUF_TYPE.arr).u32(GGUF_TYPE.arr).u64(1).u32(GGUF_TYPE.u8).u64(0).bytes();
    await expectGgufError(kvOnly([['a', nested]]), 'unknown-type', /unknown array element type 9/);
  });

  test('invalid UTF-8 in a key, a value and a tensor name', async () => {
    const bad = Uint8Array.of(0x67, 0x65, 0xff, 0x65); // "ge?e": 0xff never occurs in UTF-8
    await expectGgufError(replaced(model, 'general.name', Uint8Array.of(...bad, ...new TextEncoder().encode('ral.name'))), 'bad-value', /metadata key #1 is not valid UTF-8/);
    await expectGgufError(kvOnly([['a', kv.str(Uint8Array.of(0xc3))]]), 'bad-value', /value of a is not valid UTF-8/); // a cut 2-byte sequence
    await expectGgufError(replaced(model, 'output_norm', Uint8Array.of(0x6f, 0x75, 0xed, 0xa0, 0x80, ...new TextEncoder().encode('t_norm'))), 'bad-value', /tensor name #12 is not valid UTF-8/); // a UTF-16 surrogate
  });

  test.each([
    ['past the end of the file', 2 ** 40, 'bad-offset', /tensor blk\.0\.attn_q\.weight \(16416 bytes at \d+\) runs past the end/],
    ['misaligned', 32 * 3 + 8, 'bad-offset', /tensor blk\.0\.attn_q\.weight offset 104 is not aligned to 32/],
    ['beyond 2^53', 2 ** 60, 'absurd-value', /64-bit value 1152921504606846976 .* is too large/],
  ] as const)('tensor offset %s', async (_, offset, code, message) => {
    await expectGgufError(editGguf(model, (p) => (tensorPart(p, 'blk.0.attn_q.weight').offset = offset)), code, message);
  });

  test.each([
    ['ne[0] = 2^40', [2 ** 40, 1], 'absurd-value', /blk\.0\.attn_q\.weight has dimension 0 of size 1099511627776/],
    ['ne[1] = 0', [256, 0], 'absurd-value', /has dimension 1 of size 0/],
    ['n_dims 0', [], 'absurd-value', /has 0 dimensions \(1\.\.4 allowed\)/],
    ['n_dims 5', [256, 256, 1, 1, 1], 'absurd-value', /has 5 dimensions/],
    ['2^64 elements', [2 ** 32, 2 ** 32], 'absurd-value', /has 18446744073709552000 elements, more than the file can hold/],
    ['a row that is not whole I2_S blocks', [100, 4], 'shape-mismatch', /row of 100 does not fit I2_S blocks/],
  ] as const)('tensor shape: %s', async (_, ne, code, message) => {
    await expectGgufError(editGguf(model, (p) => (tensorPart(p, 'blk.0.attn_q.weight').ne = [...ne])), code, message);
  });

  test('duplicate tensor names', async () => {
    await expectGgufError(editGguf(model, (p) => (tensorPart(p, 'blk.0.attn_k.weight').name = 'blk.0.attn_q.weight')), 'bad-value', /tensor blk\.0\.attn_q\.weight appears twice/);
  });

  test.each([
    ['not a power of two', kv.u32(48), /general\.alignment 48 is not a power of two/],
    ['zero', kv.u32(0), /general\.alignment 0 /],
    ['not an integer', kv.f32(0.5), /general\.alignment 0\.5 /],
    ['a string', kv.str('32'), /general\.alignment 32 /],
    ['above 1 MiB', kv.u32(2 ** 21), /general\.alignment 2097152 /],
  ] as const)('general.alignment %s', async (_, value, message) => {
    await expectGgufError(editGguf(model, (p) => p.kv.set('general.alignment', value)), 'bad-value', message);
  });
});

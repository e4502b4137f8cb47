// Seeded mutation fuzzing of openGguf and openHf: corrupted copies of a valid model (bytes flipped,
// fields overwritten with extreme values, cut, duplicated, inserted, or tensor entries and KVs
// rewritten) must open and read every tensor, or fail with a FormatError: never another error,
// never a stall, never a read beyond the file. Rerun a seed with TEST_SEED=<n>.

import { beforeAll, describe, expect, test } from 'vitest';
import { rng, testSeed } from '../testing/random.ts';
import { FormatError } from './errors.ts';
import { openGguf } from './load-gguf.ts';
import { openHf, type HfFiles } from './load-hf.ts';
import type { ModelFile } from './model-file.ts';
import { modelSlots } from './tensors.ts';
import {
  buildGguf,
  buildHf,
  Bytes,
  editGguf,
  GGUF_TYPE,
  kv,
  patched,
  RecordingSource,
  joinSafetensors,
  splitGguf,
  splitSafetensors,
  type GgufRegions,
} from './test-models.ts';

const SEED = testSeed('TEST_SEED');
const MUTANTS = 300;
/** Each case reads a ~400 KB model in milliseconds; this only catches a stall. */
const CASE_MS = 2000;

/** Counts and sizes that sit on the edges readers get wrong: zero, one, sign bit, 32-bit max, 2^53, 64-bit max. */
const EXTREMES = [0n, 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 53n, 2n ** 64n - 1n];

/** The shared seeded stream with the mutators' helpers. */
function fuzzRng(label: string) {
  const r = rng(SEED, label);
  return {
    int: r.int,
    bytes: r.bytes,
    /** An integer in [from, to). */
    range: (from: number, to: number) => from + r.int(Math.max(1, to - from)),
    pick: <T>(xs: readonly T[]): T => xs[r.int(xs.length)],
    chance: (p: number) => r() < p,
    /** An extreme value, or a random 64-bit one. */
    extreme: (): bigint => (r.int(3) ? EXTREMES[r.int(EXTREMES.length)] : (BigInt(r.u32()) << 32n) | BigInt(r.u32())),
  };
}
type FuzzRng = ReturnType<typeof fuzzRng>;

interface Mutant<T> {
  what: string;
  value: T;
}

// ---- byte-level mutations (any file) ----------------------------------------------------------

type Region = [from: number, to: number];

const splice = (b: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array(0)) =>
  new Bytes().raw(b.subarray(0, at)).raw(insert).raw(b.subarray(Math.min(b.length, at + remove))).bytes();

/** Writes an extreme or random value over a field of `width` bytes inside the region (the file end permitting). */
function overwrite(b: Uint8Array, r: FuzzRng, [from, to]: Region, width: 4 | 8): Mutant<Uint8Array> {
  if (b.length < width) return { what: 'too short to overwrite', value: b };
  const at = Math.min(r.range(from, to), b.length - width);
  const v = BigInt.asUintN(8 * width, r.extreme());
  return { what: `u${8 * width} at ${at} = ${v}`, value: patched(b, at, width, v) };
}

const BYTE_MUTATIONS: Record<string, (b: Uint8Array, r: FuzzRng, [from, to]: Region) => Mutant<Uint8Array>> = {
  flip(b, r, [from, to]) {
    const out = b.slice();
    const at = Array.from({ length: r.range(1, 5) }, () => r.range(from, to));
    for (const i of at) out[i] ^= r.range(1, 256);
    return { what: `flip bytes at ${at}`, value: out };
  },
  u32: (b, r, region) => overwrite(b, r, region, 4),
  u64: (b, r, region) => overwrite(b, r, region, 8),
  truncate(b, r, [from, to]) {
    const at = r.range(from, to);
    return { what: `truncate at ${at}`, value: b.slice(0, at) };
  },
  duplicate(b, r, [from, to]) {
    const [src, len, at] = [r.range(from, to), r.range(1, 65), r.range(from, to)];
    return { what: `copy ${len} bytes from ${src} to ${at}`, value: splice(b, at, 0, b.slice(src, src + len)) };
  },
  insert(b, r, [from, to]) {
    const at = r.range(from, to);
    const junk = r.bytes(r.range(1, 17));
    return { what: `insert ${junk.length} bytes at ${at}`, value: splice(b, at, 0, junk) };
  },
  remove(b, r, [from, to]) {
    const [at, len] = [r.range(from, to), r.range(1, 17)];
    return { what: `remove ${len} bytes at ${at}`, value: splice(b, at, len) };
  },
};

/** One byte-level mutation inside the region, then up to two more anywhere in it. */
function mutateBytes(bytes: Uint8Array, r: FuzzRng, region: Region): Mutant<Uint8Array> {
  let value = bytes;
  const what: string[] = [];
  for (let i = 0, n = r.chance(0.3) ? r.range(2, 4) : 1; i < n; i++) {
    const name = r.pick(Object.keys(BYTE_MUTATIONS));
    const end = Math.min(region[1], value.length); // an earlier cut may have shortened the file
    const m = BYTE_MUTATIONS[name](value, r, [Math.min(region[0], end), end]);
    [value, what[i]] = [m.value, `${name}: ${m.what}`];
  }
  return { what: what.join('; '), value };
}

// ---- structured mutations: a well-formed container with one wrong field ------------------------

const TYPE_IDS = [0, 1, 8, 14, 30, 34, 35, 36, 37, 39, 99, 2 ** 32 - 1];
const SIZES = [0, 1, 2, 3, 64, 100, 128, 255, 256, 512, 556, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53];

/** A random raw GGUF value, sometimes of an unknown type or with a count far beyond the file. */
function randomKvValue(r: FuzzRng): Uint8Array {
  const n = Number(BigInt.asUintN(32, r.extreme()));
  return r.pick([
    () => kv.u32(n),
    () => kv.u32(r.pick(SIZES) % 2 ** 32),
    () => kv.f32(r.pick([NaN, -0.5, 0, 1e-5, 1.5, Infinity, 3e38])),
    () => kv.u64(r.extreme()),
    () => kv.str(r.pick(['', 'bitnet', 'bitnet-b1.58', 'bitnet-25', 'llama', 'relu2', 'silu'])),
    () => kv.bool(r.chance(0.5)),
    () => new Bytes().u32(r.range(13, 1000)).u32(n).bytes(),
    () => new Bytes().u32(GGUF_TYPE.arr).u32(r.pick([GGUF_TYPE.u8, GGUF_TYPE.str, GGUF_TYPE.arr, 42])).u64(r.extreme()).bytes(),
  ])();
}

function mutateGgufStructure(bytes: Uint8Array, r: FuzzRng): Mutant<Uint8Array> {
  let what = '';
  const value = editGguf(bytes, (p) => {
    if (r.chance(0.4)) {
      const key = r.pick([...p.kv.keys()]);
      if (r.chance(0.2)) {
        p.kv.delete(key);
        what = `drop KV ${key}`;
      } else {
        p.kv.set(key, randomKvValue(r));
        what = `KV ${key} = [${p.kv.get(key)!.subarray(0, 16)}]`;
      }
      return;
    }
    const t = r.pick(p.tensors);
    const field = r.pick(['typeId', 'ne', 'dims', 'offset', 'name', 'data', 'drop', 'scale'] as const);
    if (field === 'typeId') t.typeId = r.pick(TYPE_IDS);
    if (field === 'ne') t.ne[r.int(t.ne.length)] = r.pick(SIZES);
    if (field === 'dims') t.ne = r.chance(0.5) ? [...t.ne, r.pick(SIZES)] : t.ne.slice(1);
    if (field === 'offset') t.offset = r.chance(0.5) ? r.pick(SIZES) : Number(BigInt.asUintN(53, r.extreme()));
    if (field === 'name') t.name = r.pick(p.tensors).name.replace('.weight', r.pick(['.weight', '.scale', '']));
    if (field === 'data') t.data = t.data.subarray(0, r.int(t.data.length));
    if (field === 'drop') p.tensors.splice(p.tensors.indexOf(t), 1);
    // An extra per-tensor scale (spec §2.4) with random bits, sometimes of the wrong type or shape.
    if (field === 'scale') p.tensors.push({ name: t.name.replace('.weight', '.scale'), ne: [r.pick([1, 1, 2])], typeId: r.pick([0, 0, 1, 99]), data: patched(new Uint8Array(8), 0, 8, r.extreme()) });
    what = `${t.name}: ${field} -> ${JSON.stringify({ typeId: t.typeId, ne: t.ne, offset: t.offset, bytes: t.data.length })}`;
  });
  return { what, value };
}

const ST_DTYPES = ['U8', 'BF16', 'F16', 'F32', 'I64', 'BOOL', 'F8_E4M3', 'toString', '', 7, null];
const ST_NUMBERS = [0, 1, -1, 1.5, 64, 256, 2 ** 32, 2 ** 53, 2 ** 64, 1e308, '4', null];

function mutateSafetensorsStructure(bytes: Uint8Array, r: FuzzRng): Mutant<Uint8Array> {
  const { header, data } = splitSafetensors(bytes);
  const name = r.pick(Object.keys(header).filter((n) => n !== '__metadata__'));
  const entry = header[name];
  const field = r.pick(['dtype', 'shape', 'begin', 'end', 'swap', 'delete-field', 'delete', 'rename', 'not-object'] as const);
  if (field === 'dtype') entry.dtype = r.pick(ST_DTYPES);
  if (field === 'shape') entry.shape[r.int(entry.shape.length)] = r.pick(ST_NUMBERS);
  if (field === 'begin') entry.data_offsets[0] = r.pick(ST_NUMBERS);
  if (field === 'end') entry.data_offsets[1] = r.pick(ST_NUMBERS);
  if (field === 'swap') entry.data_offsets.reverse();
  if (field === 'delete-field') delete entry[r.pick(['dtype', 'shape', 'data_offsets'])];
  if (field === 'delete') delete header[name];
  if (field === 'rename') {
    header[`${name}x`] = entry;
    delete header[name];
  }
  if (field === 'not-object') header[name] = r.pick([5, 'U8', [], null]);
  return { what: `${name}: ${field} -> ${JSON.stringify(header[name])}`, value: joinSafetensors(header, data) };
}

/** config.json with one numeric hyperparameter replaced (openHf validates it before any tensor). */
function mutateHfConfig(config: Record<string, unknown>, r: FuzzRng): Mutant<Record<string, unknown>> {
  const key = r.pick(['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'vocab_size', 'rms_norm_eps', 'rope_theta']);
  const value = r.pick([...ST_NUMBERS, NaN, undefined]);
  return { what: `config ${key} = ${String(value)}`, value: { ...config, [key]: value } };
}

// ---- running the cases ------------------------------------------------------------------------

/** Reads every tensor the engine would; returns the largest buffer the readers produced. */
async function readEverything(model: ModelFile): Promise<number> {
  model.describe();
  let largest = 0;
  const slots = modelSlots(model.config);
  for (const slot of slots) {
    if (slot.kind === 'ternary') largest = Math.max(largest, (await model.readTernary(slot.name)).w.length);
    else if (slot.kind === 'vector') largest = Math.max(largest, (await model.readVector(slot.name)).byteLength);
    else largest = Math.max(largest, (await model.readMatrix(slot.name)).bytes.length);
  }
  if (model.lmHead === 'output') largest = Math.max(largest, (await model.readMatrix('output')).bytes.length);
  return largest;
}

class Tally {
  opened = 0;
  readonly rejected = new Map<string, number>();
  readonly problems: string[] = [];
  get rejectedTotal(): number {
    return [...this.rejected.values()].reduce((a, b) => a + b, 0);
  }
  summary(): string {
    return `${this.opened} opened and read, ${this.rejectedTotal} rejected (${[...this.rejected].map(([c, n]) => `${c} ${n}`).join(', ')})`;
  }
}

/**
 * Opens one mutant and reads it all. A FormatError is a pass; anything else, a stall, a read
 * larger than the file, or a decoded buffer far beyond the file's size is a problem.
 */
async function runCase(tally: Tally, label: string, sources: RecordingSource[], open: () => Promise<ModelFile>): Promise<void> {
  const totalBytes = sources.reduce((a, s) => a + s.size, 0);
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stall = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${CASE_MS} ms`)), CASE_MS)));
  try {
    const largest = await Promise.race([open().then(readEverything), stall]);
    // A weight takes at least 1.6 bits on disk and one byte decoded: an honest reader stays under 5x the file.
    if (largest > 8 * totalBytes) tally.problems.push(`${label}: decoded ${largest} bytes from a ${totalBytes}-byte model`);
    tally.opened++;
  } catch (e) {
    if (e instanceof FormatError) tally.rejected.set(e.code, (tally.rejected.get(e.code) ?? 0) + 1);
    else tally.problems.push(`${label}: ${(e as Error).name}: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  const elapsed = performance.now() - started;
  if (elapsed > CASE_MS) tally.problems.push(`${label}: took ${elapsed.toFixed(0)} ms`);
  for (const s of sources) if (s.maxRead > s.size) tally.problems.push(`${label}: asked for ${s.maxRead} bytes of a ${s.size}-byte file`);
}

function report(name: string, tally: Tally): void {
  console.log(`${name} fuzz (seed ${SEED}, rerun with TEST_SEED=${SEED}): ${tally.summary()}`);
  expect(tally.problems).toEqual([]);
  // Both paths ran: mutations in tensor data are legitimately undetectable, header ones are not.
  expect(tally.opened).toBeGreaterThan(0);
  expect(tally.rejectedTotal).toBeGreaterThan(0);
}

describe('mutation fuzzing', { timeout: 60_000 }, () => {
  let gguf: Uint8Array;
  let regions: GgufRegions;
  let hf: { files: HfFiles; weights: Uint8Array };
  beforeAll(async () => {
    gguf = (await buildGguf({ format: 'i2_s' })).bytes;
    regions = splitGguf(gguf).regions;
    hf = await buildHf();
  });

  test(`${MUTANTS} GGUF mutants open or fail with a FormatError (seed ${SEED})`, async () => {
    const r = fuzzRng('gguf');
    const tally = new Tally();
    // Most mutations aim at the header, where every byte is parsed; the rest land anywhere.
    const regionsToHit: Region[] = [[0, 24], [regions.tableStart, regions.dataStart], [0, regions.dataStart], [0, gguf.length]];
    for (let i = 0; i < MUTANTS; i++) {
      const m = r.chance(0.3) ? mutateGgufStructure(gguf, r) : mutateBytes(gguf, r, r.pick(regionsToHit));
      const src = new RecordingSource(m.value);
      await runCase(tally, `GGUF #${i} (${m.what})`, [src], () => openGguf(src));
    }
    report('GGUF', tally);
  });

  test(`${MUTANTS} safetensors mutants open or fail with a FormatError (seed ${SEED})`, async () => {
    const r = fuzzRng('safetensors');
    const tally = new Tally();
    const headerEnd = 8 + Number(new DataView(hf.weights.buffer, hf.weights.byteOffset).getBigUint64(0, true));
    const regionsToHit: Region[] = [[0, 8], [0, headerEnd], [0, hf.weights.length]];
    for (let i = 0; i < MUTANTS; i++) {
      const kind = r.int(10);
      const config = kind === 0 ? mutateHfConfig(hf.files.config, r) : { what: '', value: hf.files.config };
      const m = kind === 0 ? { what: '', value: hf.weights } : kind < 4 ? mutateSafetensorsStructure(hf.weights, r) : mutateBytes(hf.weights, r, r.pick(regionsToHit));
      const src = new RecordingSource(m.value, 'model.safetensors');
      await runCase(tally, `safetensors #${i} (${config.what}${m.what})`, [src], () => openHf({ ...hf.files, config: config.value, weights: [src] }));
    }
    report('safetensors', tally);
  });
});

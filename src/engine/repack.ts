// Loads a model's ternary matrices into the compute layout (layout.ts). I2_S, the official
// format, is transcoded byte by byte with lookup tables (about 10x faster than decoding to one
// byte per weight and packing); every other format goes through the decoded weights.
import type { ModelFile } from '../model/model-file.ts';
import { BLOCK_BYTES, packTernary, rowBytes } from './layout.ts';

/** I2_S code 3 is never written; decoders read it as weight 0, i.e. code 1 here. */
const code = (c: number) => (c === 3 ? 1 : c);
// An I2_S block (128 weights in 32 bytes, byte p holding p, p+32, p+64, p+96 from the top bits)
// becomes two layout blocks: byte j of the first gathers the top two codes of I2_S bytes j and
// 16+j, byte j of the second their bottom two codes.
const HI = Uint8Array.from({ length: 256 }, (_, a) => code(a >> 6) | (code((a >> 4) & 3) << 4));
const LO = Uint8Array.from({ length: 256 }, (_, a) => code((a >> 2) & 3) | (code(a & 3) << 4));

/** I2_S codes (rows x cols, cols a multiple of 128) to the compute layout, which has the same size. */
export function packI2S(codes: Uint8Array, rows: number, cols: number, out: Uint8Array): Uint8Array {
  const n = rows * rowBytes(cols);
  if (cols % 128 !== 0 || codes.length !== n || out.length < n) throw new RangeError(`packI2S: ${rows} x ${cols} does not match ${codes.length} code bytes`);
  for (let src = 0; src < n; src += 32) {
    for (let j = 0; j < BLOCK_BYTES; j++) {
      const a = codes[src + j];
      const b = codes[src + 16 + j];
      out[src + j] = HI[a] | (HI[b] << 2);
      out[src + 16 + j] = LO[a] | (LO[b] << 2);
    }
  }
  return out;
}

/** Writes ternary matrix `name` into `out` (rows * rowBytes(cols) bytes) and returns its scale. */
export async function loadPacked(model: ModelFile, name: string, out: Uint8Array): Promise<number> {
  if (model.readTernaryI2S) {
    const t = await model.readTernaryI2S(name);
    packI2S(t.codes, t.rows, t.cols, out);
    return t.scale;
  }
  const t = await model.readTernary(name);
  packTernary(t.w, t.rows, t.cols, out);
  return t.scale;
}

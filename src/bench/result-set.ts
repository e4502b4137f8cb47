// The benchmark panel's export format: one run's results with the browser they ran in, readable
// back for comparison. With a single result its medians also sit at the top level, the keys
// `bitnet-web bench --json` prints, so `npm run bench` output reads the same as the CLI's.
// Each result records its LM head (lm_head); exports from before it was a choice lack the key and
// ran the exact head, so they read as such. The device's WASM roofline (roofline.ts), where it was
// measured, travels beside the results; older exports lack it.
import type { BenchResult, Roofline } from '../worker/protocol.ts';

export const RESULT_SCHEMA = 'bitnet-web-bench/1';

export interface BrowserInfo {
  user_agent: string;
  hardware_concurrency: number;
  cross_origin_isolated: boolean;
}

export interface BenchResultSet {
  schema: typeof RESULT_SCHEMA;
  exported: string;
  browser: BrowserInfo;
  results: BenchResult[];
  prefill_tok_s?: number | null;
  decode_tok_s?: number | null;
  /** The device's WASM ceilings at each thread count measured, where they were. */
  roofline?: Roofline[];
}

export function resultSet(results: BenchResult[], browser: BrowserInfo, roofline: Roofline[] = [], exported = new Date().toISOString()): BenchResultSet {
  const one = results.length === 1 ? { prefill_tok_s: results[0].prefill_tok_s, decode_tok_s: results[0].decode_tok_s } : {};
  return { schema: RESULT_SCHEMA, exported, browser, ...one, results, ...(roofline.length > 0 ? { roofline } : {}) };
}

export class ResultSetError extends Error {
  override name = 'ResultSetError';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isFigure = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

/** Parses an exported file; anything else is a ResultSetError that says what is wrong. */
export function parseResultSet(text: string): BenchResultSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ResultSetError(`not JSON: ${(e as Error).message}`);
  }
  if (!isRecord(json) || json.schema !== RESULT_SCHEMA) throw new ResultSetError(`not a bitnet-web benchmark export (expected "schema": "${RESULT_SCHEMA}")`);
  if (!Array.isArray(json.results) || json.results.length === 0) throw new ResultSetError('the export holds no results');
  json.results.forEach((r: unknown, i: number) => {
    const where = `result ${i + 1}`;
    if (!isRecord(r)) throw new ResultSetError(`${where} is not an object`);
    if (r.backend !== 'wasm' && r.backend !== 'webgpu') throw new ResultSetError(`${where}: unknown backend ${JSON.stringify(r.backend)}`);
    for (const k of ['prefill_tok_s', 'decode_tok_s', 'decode_bytes_per_token']) if (!isFigure(r[k])) throw new ResultSetError(`${where}: ${k} is not a figure`);
    if (!isRecord(r.model) || typeof r.model.name !== 'string') throw new ResultSetError(`${where}: no model description`);
    if (r.lm_head !== undefined && r.lm_head !== 'exact' && r.lm_head !== 'int8') throw new ResultSetError(`${where}: unknown lm_head ${JSON.stringify(r.lm_head)}`);
  });
  if (!isRecord(json.browser)) throw new ResultSetError('the export does not say which browser ran it');
  if (json.roofline !== undefined) checkRoofline(json.roofline);
  return json as unknown as BenchResultSet;
}

function checkRoofline(roofline: unknown): void {
  if (!Array.isArray(roofline)) throw new ResultSetError('roofline is not a list');
  roofline.forEach((x: unknown, i: number) => {
    const where = `roofline ${i + 1}`;
    if (!isRecord(x)) throw new ResultSetError(`${where} is not an object`);
    if (!(Number.isInteger(x.threads) && (x.threads as number) >= 1)) throw new ResultSetError(`${where}: threads is not a count`);
    if (x.build !== 'relaxed' && x.build !== 'simd') throw new ResultSetError(`${where}: unknown build ${JSON.stringify(x.build)}`);
    for (const k of ['readGBs', 'maddGMACs']) if (!(typeof x[k] === 'number' && Number.isFinite(x[k]) && x[k] > 0)) throw new ResultSetError(`${where}: ${k} is not a positive figure`);
  });
}

/** The LM head a result ran. */
export const lmHeadOf = (r: BenchResult) => r.lm_head ?? 'exact';

/** What makes two results comparable: same model shape and format, backend, threads, LM head, p and n. */
export function resultKey(r: BenchResult): string {
  return `${r.model.shape ?? r.model.name} ${r.model.weight_format}/${r.model.embedding_type} ${r.backend}${r.backend === 'wasm' ? ` ${r.threads}t` : ''} ${lmHeadOf(r)} head pp${r.p} tg${r.n}`;
}

export interface CompareRow {
  key: string;
  a?: BenchResult;
  b?: BenchResult;
  /** b / a for prefill and decode medians, where both have them. */
  prefillRatio: number | null;
  decodeRatio: number | null;
}

export function compareSets(a: BenchResultSet, b: BenchResultSet): CompareRow[] {
  const keys = [...new Set([...a.results, ...b.results].map(resultKey))];
  const ratio = (x?: number | null, y?: number | null) => (x && y ? y / x : null);
  return keys.map((key) => {
    const ra = a.results.find((r) => resultKey(r) === key);
    const rb = b.results.find((r) => resultKey(r) === key);
    return { key, a: ra, b: rb, prefillRatio: ratio(ra?.prefill_tok_s, rb?.prefill_tok_s), decodeRatio: ratio(ra?.decode_tok_s, rb?.decode_tok_s) };
  });
}

export interface RooflineRow {
  threads: number;
  a?: Roofline;
  b?: Roofline;
  /** b / a for the read and multiply-add ceilings, where both sets measured them. */
  readRatio: number | null;
  maddRatio: number | null;
}

/** Two sets' ceilings (a set's `roofline`, absent in older exports) side by side, by thread count. */
export function compareRooflines(a: Roofline[] = [], b: Roofline[] = []): RooflineRow[] {
  const counts = [...new Set([...a, ...b].map((r) => r.threads))].sort((x, y) => x - y);
  return counts.map((threads) => {
    const ra = a.find((r) => r.threads === threads);
    const rb = b.find((r) => r.threads === threads);
    return { threads, a: ra, b: rb, readRatio: ra && rb ? rb.readGBs / ra.readGBs : null, maddRatio: ra && rb ? rb.maddGMACs / ra.maddGMACs : null };
  });
}

// The model cache: downloads from the Hugging Face hub (or a URL, or a local file) in shards into
// IndexedDB, resumably and checked, and hands the engine ByteSources that read from the shards.
// Used from the page (downloads) and from the engine worker (openFiles), so nothing here needs a
// window.
import { asStorageError, fileReader, fillShards, httpReader, type ShardReader } from './downloader.ts';
import { ChangedUpstreamError, sameEtag } from './http.ts';
import { missingShards, newFileManifest, reconcile, shardsDone, spanLength, storedBytes, toCachedModel, type Manifest, type PlannedModel } from './manifest.ts';
import { ProgressReporter } from './progress.ts';
import { remoteUrl, resolveSource } from './resolve.ts';
import { deleteManifest, deleteShards, getManifest, putManifest, allManifests } from './shard-db.ts';
import { ShardSource } from './shard-source.ts';
import { DEFAULT_SHARD_BYTES } from './shards.ts';
import { StorageError, type CachedModel, type DownloadPlan, type ModelCache, type ModelSource, type ProgressOptions, type StorageEstimate, type VerifyReport } from './types.ts';
import { checkModel } from './verify.ts';
import type { ByteSource } from '../model/source.ts';

export { chooseHubFiles, discoverHubFiles, type HubFile } from './hub.ts';

export interface ModelStoreOptions {
  /** The hub's origin, e.g. https://huggingface.co. */
  hubBase: string;
  /** Bytes per shard of new downloads (a resumed one keeps its own); default 32 MiB. */
  shardBytes?: number;
  /** Shards fetched at once; default 4. */
  concurrency?: number;
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
const sizeOf = (m: Manifest) => m.files.reduce((n, f) => n + f.size, 0);
const storedOf = (m: Manifest) => m.files.reduce((n, f) => n + storedBytes(f), 0);

export class ModelStore implements ModelCache {
  private readonly hubBase: string;
  private readonly shardBytes: number;
  private readonly concurrency: number;
  private persistAsked = false;
  /** Work on a model in this instance, one job at a time per model; remove() stops it first. */
  private readonly running = new Map<string, { stop: AbortController; done: Promise<unknown> }>();

  constructor(opts: ModelStoreOptions) {
    this.hubBase = opts.hubBase;
    this.shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
    this.concurrency = opts.concurrency ?? 4;
    if (!(Number.isSafeInteger(this.shardBytes) && this.shardBytes > 0)) throw new RangeError(`shardBytes ${opts.shardBytes} is not a positive integer`);
  }

  async list(): Promise<CachedModel[]> {
    return (await allManifests()).map(toCachedModel).sort((a, b) => a.createdAt - b.createdAt);
  }

  async get(id: string): Promise<CachedModel | undefined> {
    const m = await getManifest(id);
    return m && toCachedModel(m);
  }

  async plan(source: ModelSource): Promise<DownloadPlan> {
    const planned = await resolveSource(source, this.hubBase);
    return this.describe(planned, this.target(planned, await getManifest(planned.id)).manifest);
  }

  async download(source: ModelSource, opts: ProgressOptions = {}): Promise<CachedModel> {
    const planned = await resolveSource(source, this.hubBase, opts.signal);
    return this.exclusive(planned.id, opts.signal, (signal) => this.fetchModel(source, planned, signal, new ProgressReporter(planned.id, opts.onProgress)));
  }

  async verify(id: string, opts: ProgressOptions = {}): Promise<VerifyReport> {
    return this.exclusive(id, opts.signal, async (signal) => {
      const progress = new ProgressReporter(id, opts.onProgress);
      const m = await this.manifest(id);
      return this.done(m, progress, await this.check(m, signal, progress));
    });
  }

  async repair(id: string, opts: ProgressOptions = {}): Promise<VerifyReport> {
    return this.exclusive(id, opts.signal, async (signal) => {
      const progress = new ProgressReporter(id, opts.onProgress);
      const m = await this.manifest(id);
      const first = await this.check(m, signal, progress);
      if (first.ok) return this.done(m, progress, first);
      const reader = this.remoteReader(m);
      if (!reader) throw new StorageError('bad-source', `${m.label} was copied from a local file: add the file again to restore its ${first.badShards.length} bad shards`);
      progress.start('repair', storedOf(m), sizeOf(m));
      await this.fill(m, reader, progress, signal);
      return this.done(m, progress, await this.check(m, signal, progress));
    });
  }

  async remove(id: string): Promise<void> {
    const job = this.running.get(id);
    job?.stop.abort();
    await job?.done.catch(() => {});
    await this.exclusive(id, undefined, async () => {
      // The manifest goes first: a listed shard must always have its bytes.
      await deleteManifest(id);
      await deleteShards(id);
    });
  }

  async openFiles(id: string): Promise<Map<string, ByteSource>> {
    const m = await getManifest(id);
    if (!m?.complete) throw new StorageError('incomplete', m ? `${m.label} is not completely downloaded (${MB(storedOf(m))} of ${MB(sizeOf(m))})` : `model ${id} is not in the cache`);
    return new Map(m.files.map((f) => [f.name, new ShardSource(id, f)]));
  }

  /** `quota` is Infinity where the browser has no StorageManager (insecure contexts). */
  async estimate(): Promise<StorageEstimate> {
    const s = globalThis.navigator?.storage;
    if (!s?.estimate) return { usage: 0, quota: Infinity, persisted: false };
    const [e, persisted] = await Promise.all([s.estimate(), s.persisted?.() ?? false]);
    return { usage: e.usage ?? 0, quota: e.quota ?? Infinity, persisted };
  }

  /** Asks the browser not to evict the cache under storage pressure (windows only; workers cannot ask). */
  async requestPersist(): Promise<boolean> {
    const s = globalThis.navigator?.storage;
    if (await s?.persisted?.()) return true;
    return typeof s?.persist === 'function' ? s.persist() : false;
  }

  // ---- internals ----

  private async fetchModel(source: ModelSource, planned: PlannedModel, signal: AbortSignal, progress: ProgressReporter): Promise<CachedModel> {
    const target = this.target(planned, await getManifest(planned.id));
    const m = target.manifest;
    if (m.complete) {
      progress.start('done', sizeOf(m), sizeOf(m));
      return toCachedModel(m);
    }
    const plan = await this.describe(planned, m);
    if (!plan.fits) {
      const free = Math.max(0, plan.estimate.quota - plan.estimate.usage);
      throw new StorageError('quota', `${m.label} needs ${MB(plan.bytesMissing)} more but only ${MB(free)} of browser storage is free`);
    }
    if (!this.persistAsked) {
      this.persistAsked = true;
      await this.requestPersist();
    }
    await putManifest(m);
    for (const file of target.dropped) await deleteShards(m.id, file);
    const reader = source.kind === 'local' ? fileReader(source.file) : this.remoteReader(m)!;
    const notices = [...target.notices, ...(await this.dropChangedFiles(m, signal))];
    progress.start('download', storedOf(m), sizeOf(m), notices.join('; ') || undefined);
    await this.fill(m, reader, progress, signal);
    return this.finish(m, signal, progress);
  }

  /** The manifest a download continues: a complete one as it is, else reconciled with the plan. */
  private target(planned: PlannedModel, old: Manifest | undefined): ReturnType<typeof reconcile> {
    return old?.complete ? { manifest: old, dropped: [], notices: [] } : reconcile(old, planned, this.shardBytes, Date.now());
  }

  private async describe(planned: PlannedModel, m: Manifest): Promise<DownloadPlan> {
    const bytesMissing = missingShards(m).reduce((n, s) => n + spanLength(s.file, s.index), 0);
    const estimate = await this.estimate();
    return {
      modelId: m.id,
      label: m.label,
      format: m.format,
      files: planned.files,
      bytesTotal: sizeOf(m),
      bytesMissing,
      estimate,
      fits: bytesMissing <= estimate.quota - estimate.usage,
    };
  }

  private remoteReader(m: Manifest): ShardReader | undefined {
    if (m.source.kind === 'local') return undefined;
    const source = m.source;
    return httpReader((file) => remoteUrl(source, this.hubBase, file)!);
  }

  /**
   * A partly downloaded file whose ETag is no longer the server's changed upstream: its shards
   * are discarded. Best effort: if the probe fails, the shard responses are still checked.
   */
  private async dropChangedFiles(m: Manifest, signal: AbortSignal): Promise<string[]> {
    const notices: string[] = [];
    for (const f of m.files) {
      const url = remoteUrl(m.source, this.hubBase, f.name);
      if (!url || !f.etag || shardsDone(f) === 0 || shardsDone(f) === f.shards.length) continue;
      const res = await fetch(url, { method: 'HEAD', signal, cache: 'no-store' }).catch(() => undefined);
      const etag = res?.ok ? res.headers.get('ETag') : null;
      if (etag && !sameEtag(etag, f.etag)) {
        notices.push(`${f.name} changed upstream since its download began (ETag ${f.etag} -> ${etag}); its ${shardsDone(f)} downloaded shards were discarded`);
        await this.resetFile(m, f.name);
      }
    }
    return notices;
  }

  private async resetFile(m: Manifest, name: string): Promise<void> {
    const i = m.files.findIndex((f) => f.name === name);
    m.files[i] = newFileManifest(m.files[i], this.shardBytes);
    m.complete = false;
    await putManifest(m);
    await deleteShards(m.id, name);
  }

  private async fill(m: Manifest, reader: ShardReader, progress: ProgressReporter, signal: AbortSignal): Promise<void> {
    try {
      await fillShards(m, reader, { concurrency: this.concurrency, signal, onBytes: (n, file) => progress.add(n, file) });
    } catch (e) {
      if (!(e instanceof ChangedUpstreamError)) throw e;
      const done = shardsDone(m.files.find((f) => f.name === e.file)!);
      await this.resetFile(m, e.file);
      throw new StorageError('integrity', `${e.message}; its ${done} downloaded shards were discarded: download again to fetch it afresh`);
    }
  }

  /** After the last shard: whole-file checksums, then the model is complete. */
  private async finish(m: Manifest, signal: AbortSignal, progress: ProgressReporter): Promise<CachedModel> {
    progress.start('verify', 0, m.files.reduce((n, f) => n + (f.sha256 ? f.size : 0), 0));
    const r = await checkModel(m, { rehashShards: false, signal, onBytes: (n, file) => progress.add(n, file) });
    if (r.bad.length) {
      for (const b of r.bad) m.files.find((f) => f.name === b.file)!.shards[b.index] = null;
      await putManifest(m);
      const why = r.mismatched.length ? `${r.mismatched.join(', ')} does not match the SHA-256 the hub gives` : `${r.bad.length} shards went missing from the cache`;
      throw new StorageError('integrity', `${m.label}: ${why}; the bad shards will be fetched again on the next download`);
    }
    m.complete = true;
    await putManifest(m);
    progress.start('done', sizeOf(m), sizeOf(m));
    return toCachedModel(m);
  }

  /** Rehashes everything; bad shards lose their mark (so a download or repair fetches them). */
  private async check(m: Manifest, signal: AbortSignal, progress: ProgressReporter): Promise<VerifyReport> {
    progress.start('verify', 0, sizeOf(m));
    const r = await checkModel(m, { rehashShards: true, signal, onBytes: (n, file) => progress.add(n, file) });
    for (const b of r.bad) m.files.find((f) => f.name === b.file)!.shards[b.index] = null;
    m.complete = r.bad.length === 0;
    await putManifest(m);
    return { modelId: m.id, ok: m.complete, badShards: r.bad, sha256Checked: r.sha256Checked };
  }

  private done(m: Manifest, progress: ProgressReporter, report: VerifyReport): VerifyReport {
    progress.start('done', storedOf(m), sizeOf(m));
    return report;
  }

  private async manifest(id: string): Promise<Manifest> {
    const m = await getManifest(id);
    if (!m) throw new StorageError('incomplete', `model ${id} is not in the cache`);
    return m;
  }

  /**
   * Runs `job` once no other job on the same model runs in this instance; `signal` stops it. A
   * full database, wherever it shows, becomes StorageError('quota').
   */
  private async exclusive<T>(id: string, signal: AbortSignal | undefined, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let other = this.running.get(id); other; other = this.running.get(id)) await other.done.catch(() => {});
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) stop.abort();
    const done = job(stop.signal);
    this.running.set(id, { stop, done });
    try {
      return await done;
    } catch (e) {
      throw asStorageError(e);
    } finally {
      this.running.delete(id);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

// The model cache as the page sees it: cached models, running downloads (pause = abort, resume =
// download again, which keeps finished shards), verify/repair/delete, and the storage estimate.
// The ModelStore is created on first use for the current hub address.
import { create } from 'zustand';
import { ModelStore } from '../../storage/model-store.ts';
import type { CachedModel, DownloadPlan, ModelSource, StorageEstimate, StorageProgress, VerifyReport } from '../../storage/types.ts';
import { describeError, isAbort } from '../errors.ts';
import { formatBytes } from '../format.ts';
import { unloadModel, useEngine } from './engine.ts';
import { hubBase } from './settings.ts';

export type JobStatus = 'downloading' | 'paused' | 'failed' | 'verifying' | 'repairing';

export interface Job {
  modelId: string;
  label: string;
  /** What a download fetches from; absent for verify and repair. */
  source?: ModelSource;
  status: JobStatus;
  bytesTotal: number;
  progress?: StorageProgress;
  error?: string;
  /** Something the cache said once that the user should know (e.g. a file changed upstream). */
  notice?: string;
}

/** A request to add a model, before it has a model id: planning, or why it did not start. */
export type Intake = { status: 'planning' } | { status: 'refused' | 'failed'; message: string };

interface DownloadsState {
  listed: boolean;
  models: CachedModel[];
  listError?: string;
  jobs: Record<string, Job>;
  /** Keyed by where the request came from (see addModel). */
  intake: Record<string, Intake>;
  reports: Record<string, VerifyReport>;
  estimate?: StorageEstimate;
}

export const useDownloads = create<DownloadsState>()(() => ({ listed: false, models: [], jobs: {}, intake: {}, reports: {} }));

const set = useDownloads.setState;
const get = useDownloads.getState;

let cache: { hubBase: string; store: ModelStore } | undefined;

function modelStore(): ModelStore {
  const base = hubBase();
  if (cache?.hubBase !== base) cache = { hubBase: base, store: new ModelStore({ hubBase: base }) };
  return cache.store;
}

/** Running downloads: how to pause them, and when they have let go of the cache. */
const running = new Map<string, { controller: AbortController; settled: Promise<void> }>();

function patchJob(modelId: string, patch: Partial<Job>) {
  set((s) => (s.jobs[modelId] ? { jobs: { ...s.jobs, [modelId]: { ...s.jobs[modelId], ...patch } } } : {}));
}

function dropJob(modelId: string) {
  set((s) => {
    const jobs = { ...s.jobs };
    delete jobs[modelId];
    return { jobs };
  });
}

function setIntake(origin: string, intake: Intake | undefined) {
  set((s) => {
    const next = { ...s.intake };
    if (intake) next[origin] = intake;
    else delete next[origin];
    return { intake: next };
  });
}

/** Progress comes per chunk; the screen needs it a few times a second, and at every phase change. */
const PROGRESS_INTERVAL_MS = 150;

function progressReporter(modelId: string) {
  let last = 0;
  let phase: string | undefined;
  return (p: StorageProgress) => {
    if (p.notice) patchJob(modelId, { notice: p.notice });
    const now = performance.now();
    if (p.phase === phase && now - last < PROGRESS_INTERVAL_MS && p.bytesDone < p.bytesTotal) return;
    last = now;
    phase = p.phase;
    patchJob(modelId, { progress: p });
  };
}

export async function refreshModels(): Promise<void> {
  try {
    const models = await modelStore().list();
    set({ listed: true, models: models.sort((a, b) => b.createdAt - a.createdAt), listError: undefined });
  } catch (e) {
    set({ listed: true, listError: describeError(e) });
  }
  await refreshEstimate();
}

export async function refreshEstimate(): Promise<void> {
  try {
    set({ estimate: await modelStore().estimate() });
  } catch {
    // Browsers without navigator.storage.estimate: the panel says "unknown".
  }
}

function refusal(plan: DownloadPlan): string {
  const free = Math.max(0, plan.estimate.quota - plan.estimate.usage);
  return `${plan.label} needs ${formatBytes(plan.bytesMissing)} more, but only ${formatBytes(free)} of storage is free. Nothing was downloaded.`;
}

/**
 * Plans first, also to resume: a model that will not fit is refused before any byte is written.
 * `origin` says where the answer is shown ('catalog:<repo>', 'custom', 'local' or 'model:<id>').
 */
export async function addModel(origin: string, source: ModelSource): Promise<void> {
  setIntake(origin, { status: 'planning' });
  let plan: DownloadPlan;
  try {
    plan = await modelStore().plan(source);
  } catch (e) {
    setIntake(origin, { status: 'failed', message: describeError(e) });
    return;
  }
  set({ estimate: plan.estimate });
  if (!plan.fits) {
    setIntake(origin, { status: 'refused', message: refusal(plan) });
    return;
  }
  setIntake(origin, undefined);
  // Asked once per download; the browser decides (and may not ask the user at all).
  if (!plan.estimate.persisted) await modelStore().requestPersist().catch(() => false);
  void runDownload(plan.modelId, plan.label, source, plan.bytesTotal);
}

async function runDownload(modelId: string, label: string, source: ModelSource, bytesTotal: number): Promise<void> {
  if (running.has(modelId)) return;
  const controller = new AbortController();
  set((s) => ({ jobs: { ...s.jobs, [modelId]: { modelId, label, source, status: 'downloading', bytesTotal, progress: s.jobs[modelId]?.progress } } }));
  const settled = modelStore()
    .download(source, { signal: controller.signal, onProgress: progressReporter(modelId) })
    .then(
      () => dropJob(modelId),
      (e: unknown) => patchJob(modelId, isAbort(e) ? { status: 'paused' } : { status: 'failed', error: describeError(e) }),
    );
  running.set(modelId, { controller, settled });
  await settled;
  running.delete(modelId);
  await refreshModels();
}

export function pauseDownload(modelId: string): void {
  running.get(modelId)?.controller.abort();
}

async function check(modelId: string, status: 'verifying' | 'repairing'): Promise<void> {
  const model = get().models.find((m) => m.id === modelId);
  set((s) => ({ jobs: { ...s.jobs, [modelId]: { modelId, label: model?.label ?? modelId, status, bytesTotal: model?.totalBytes ?? 0 } } }));
  try {
    const store = modelStore();
    const opts = { onProgress: progressReporter(modelId) };
    const report = status === 'verifying' ? await store.verify(modelId, opts) : await store.repair(modelId, opts);
    set((s) => ({ reports: { ...s.reports, [modelId]: report } }));
    dropJob(modelId);
  } catch (e) {
    patchJob(modelId, { status: 'failed', error: describeError(e) });
  }
  await refreshModels();
}

export const verifyModel = (modelId: string): Promise<void> => check(modelId, 'verifying');
export const repairModel = (modelId: string): Promise<void> => check(modelId, 'repairing');

/** Deleting the loaded model unloads it first, so the engine never reads from a removed cache. */
export async function removeModel(modelId: string): Promise<void> {
  const download = running.get(modelId);
  download?.controller.abort();
  await download?.settled;
  const engine = useEngine.getState();
  if (engine.modelId === modelId && (engine.status === 'ready' || engine.status === 'lost')) await unloadModel();
  try {
    await modelStore().remove(modelId);
    dropJob(modelId);
    set((s) => {
      const reports = { ...s.reports };
      delete reports[modelId];
      return { reports };
    });
  } catch (e) {
    set({ listError: describeError(e) });
  }
  await refreshModels();
}

export function dismissJob(modelId: string): void {
  dropJob(modelId);
}

export function dismissIntake(origin: string): void {
  setIntake(origin, undefined);
}

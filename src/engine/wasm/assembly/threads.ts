// Entry of the threaded builds: the kernels of index.ts plus the pool (pool.ts), for a memory
// that is imported as shared.

export * from './index';
export { fail, run, serve } from './pool';

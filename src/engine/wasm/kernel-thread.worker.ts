// A kernel helper thread in the browser (module Worker, started by browser-threads.ts): runs
// kernelThreadMain on its first message.
import { kernelThreadMain, type ThreadInit } from './thread-main.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<ThreadInit>) => kernelThreadMain(e.data, (m) => scope.postMessage(m));

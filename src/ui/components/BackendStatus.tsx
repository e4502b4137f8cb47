// Which backend runs and why, in the worker's own words, with the adapter, thread count and LM head.
import { usePwa } from '../../pwa/register.ts';
import { useEngine } from '../store/engine.ts';

export function BackendStatus() {
  const backend = useEngine((s) => s.backend);
  const isolated = usePwa((s) => s.isolated);
  if (!backend) return null;
  const name = backend.backend === 'webgpu' ? 'WebGPU' : 'WASM';
  const details = [
    backend.adapter && [backend.adapter.vendor, backend.adapter.architecture, backend.adapter.description].filter(Boolean).join(' '),
    backend.adapter?.isFallbackAdapter && 'software adapter',
    backend.backend === 'wasm' && `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`,
    backend.backend === 'wasm' && (backend.relaxedSimd ? 'relaxed SIMD' : 'SIMD128'),
    `${backend.lmHead} LM head${backend.lmHeadReason ? ` (${backend.lmHeadReason})` : ''}`,
  ].filter((d): d is string => typeof d === 'string' && d !== '');
  return (
    <div className="backend-status" data-testid="backend-status" data-backend={backend.backend} data-lm-head={backend.lmHead}>
      <span className={`badge badge-${backend.backend}`}>{name}</span>
      <p className="small">{backend.reason}</p>
      {details.length > 0 && <p className="muted small">{details.join(' · ')}</p>}
      {backend.backend === 'wasm' && !isolated && (
        <p className="small" data-testid="isolation-note">
          This page is not cross-origin isolated, so WASM runs on one thread (threads need SharedArrayBuffer).
        </p>
      )}
    </div>
  );
}

// How much of the context window the open conversation fills, from the worker's own token count.
import { useEngine } from '../store/engine.ts';

export function ContextMeter() {
  const context = useEngine((s) => s.context);
  if (!context) return null;
  const fraction = context.size > 0 ? Math.min(1, context.used / context.size) : 0;
  const level = fraction >= 0.9 ? 'full' : fraction >= 0.7 ? 'high' : 'ok';
  const text = `${context.used.toLocaleString()} / ${context.size.toLocaleString()} tokens`;
  const dropped = context.dropped > 0 ? `; the oldest ${context.dropped} message${context.dropped === 1 ? '' : 's'} will be left out` : '';
  return (
    <div
      className="context-meter"
      role="meter"
      aria-label="Context used"
      aria-valuemin={0}
      aria-valuemax={context.size}
      aria-valuenow={context.used}
      aria-valuetext={text + dropped}
      data-testid="context-meter"
      data-used={context.used}
      data-size={context.size}
      data-level={context.dropped > 0 ? 'full' : level}
      data-dropped={context.dropped}
      title={`Context: ${text}${dropped}`}
    >
      <span className="context-bar">
        <span style={{ width: `${fraction * 100}%` }} />
      </span>
      <span className="context-text">
        {text}
        {context.dropped > 0 && ` · ${context.dropped} left out`}
      </span>
    </div>
  );
}

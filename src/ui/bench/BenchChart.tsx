// Tokens/s of every run as bars, prefill and decode apart (each on its own scale), so the spread
// between repetitions and between configurations is visible at a glance.
import type { LiveSample } from './bench-store.ts';

const BAR = 16;
const GAP = 4;
const LABEL = 150;
const WIDTH = 560;

export function BenchChart({ samples }: { samples: LiveSample[] }) {
  if (samples.length === 0) return null;
  const tests = (['pp', 'tg'] as const).filter((t) => samples.some((s) => s.test === t));
  return (
    <div className="bench-chart" data-testid="bench-chart">
      {tests.map((test) => {
        const rows = samples.filter((s) => s.test === test);
        const max = Math.max(...rows.map((s) => s.tokPerS));
        const height = rows.length * (BAR + GAP);
        return (
          <figure key={test}>
            <figcaption className="small muted">{test === 'pp' ? 'Prefill' : 'Decode'} tokens/s per run</figcaption>
            <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={`${test === 'pp' ? 'Prefill' : 'Decode'}: ${rows.map((s) => `${s.config} run ${s.rep + 1} ${s.tokPerS.toFixed(1)}`).join(', ')} tokens per second`}>
              {rows.map((s, i) => {
                const w = max > 0 ? ((WIDTH - LABEL - 70) * s.tokPerS) / max : 0;
                const y = i * (BAR + GAP);
                return (
                  <g key={`${s.config}-${s.rep}`} className={`bench-bar bench-bar-${test}`}>
                    <text x={LABEL - 6} y={y + BAR - 4} textAnchor="end">
                      {s.config} #{s.rep + 1}
                    </text>
                    <rect x={LABEL} y={y} width={Math.max(1, w)} height={BAR} rx={3} />
                    <text x={LABEL + w + 6} y={y + BAR - 4}>
                      {s.tokPerS.toFixed(1)}
                    </text>
                  </g>
                );
              })}
            </svg>
          </figure>
        );
      })}
    </div>
  );
}

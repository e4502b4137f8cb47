// The outcome of Verify or Repair.
import type { VerifyReport } from '../../storage/types.ts';

export function VerifyResult({ report }: { report: VerifyReport }) {
  const bad = report.badShards.length;
  return (
    <p className={`notice ${report.ok ? 'notice-ok' : 'notice-error'}`} role="status" data-testid="verify-result" data-ok={report.ok}>
      {report.ok
        ? `Verified: every part is intact${report.sha256Checked ? ', and the SHA-256 matches the hub' : ''}.`
        : `${bad} damaged part${bad === 1 ? '' : 's'} (${[...new Set(report.badShards.map((s) => s.file))].join(', ')}). Repair fetches only those again.`}
    </p>
  );
}

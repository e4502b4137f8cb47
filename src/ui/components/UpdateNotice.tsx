// A new version of the app shell is installed and waits: the user applies it when it suits them.
// Models (IndexedDB shards) and conversations are not part of the shell and stay as they are.
import { usePwa } from '../../pwa/register.ts';

export function UpdateNotice() {
  const needRefresh = usePwa((s) => s.needRefresh);
  const update = usePwa((s) => s.update);
  if (!needRefresh) return null;
  return (
    <div className="banner" role="status" data-testid="update-notice">
      <p>A new version of bitnet-web is ready. Your models and conversations stay as they are.</p>
      <button type="button" className="btn btn-primary" onClick={update}>
        Update now
      </button>
    </div>
  );
}

// Shown above a reply whose prompt did not fit: the worker left out the oldest messages.
export function DroppedNotice({ count, contextSize }: { count: number; contextSize: number }) {
  return (
    <p className="dropped" role="note" data-testid="dropped-notice" data-dropped={count}>
      The oldest {count === 1 ? 'message' : `${count} messages`} no longer fit in the {contextSize.toLocaleString()}-token context and{' '}
      {count === 1 ? 'was' : 'were'} left out of this reply. The system prompt was kept.
    </p>
  );
}

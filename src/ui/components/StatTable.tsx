// A two-column list of named values.
export function StatTable({ rows }: { rows: [string, string][] }) {
  return (
    <dl className="stat-table">
      {rows.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

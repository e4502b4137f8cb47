// Where models come from: the catalog, any hub repo or URL, or a file on this device.
import { CATALOG } from '../catalog.ts';
import { CatalogRow } from './CatalogRow.tsx';
import { LocalFile } from './LocalFile.tsx';
import { SourceForm } from './SourceForm.tsx';

export function GetModel() {
  return (
    <section className="card" aria-labelledby="get-heading">
      <h3 id="get-heading">Get a model</h3>
      <ul className="catalog">
        {CATALOG.map((entry) => (
          <CatalogRow key={entry.source.repo} entry={entry} />
        ))}
      </ul>
      <SourceForm />
      <LocalFile />
    </section>
  );
}

// Drag and drop anywhere on the page: a model file goes to the cache, a .json export is imported.
import { useEffect, useState } from 'react';
import { importConversations } from '../store/conversations.ts';
import { addModel } from '../store/downloads.ts';
import { openPanel } from '../store/layout.ts';
import { LOCAL_ORIGIN } from './LocalFile.tsx';

const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;

export function DropZone() {
  const [over, setOver] = useState(false);
  useEffect(() => {
    // dragenter/dragleave fire for every child element; counting them tells when the pointer
    // really left the window.
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const overHandler = (e: DragEvent) => {
      if (hasFiles(e)) e.preventDefault(); // allows the drop
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      if (file.name.toLowerCase().endsWith('.json')) {
        void importConversations(file);
      } else {
        openPanel('models');
        void addModel(LOCAL_ORIGIN, { kind: 'local', file });
      }
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('drop', drop);
    };
  }, []);
  if (!over) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay">
      <div>
        <p className="drop-title">Drop to add</p>
        <p className="muted">A .gguf model file goes to your models; a .json chat export is imported.</p>
      </div>
    </div>
  );
}

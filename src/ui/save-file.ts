// Offers text as a file download (exports), through a temporary object URL.
export function saveTextFile(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  // The click starts the download synchronously in every browser; the URL is then no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

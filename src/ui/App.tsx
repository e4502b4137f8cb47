// Placeholder page until the chat UI lands (issue 4): says what the project is and how to run it.
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 640, margin: '3rem auto', padding: '0 1rem' }}>
      <h1>bitnet-web</h1>
      <p>
        BitNet b1.58 inference in the browser. The engine and its command-line interface are ready; the chat interface
        comes next. Try <code>npx bitnet-web make-model --shape tiny --out tiny.gguf</code> and{' '}
        <code>npx bitnet-web generate tiny.gguf --prompt "Hello"</code>.
      </p>
    </main>
  );
}

// Replies are rendered as markdown but never as HTML: markup a model writes must stay inert text.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from './Markdown.tsx';

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe('Markdown', () => {
  it('renders emphasis, lists and GFM tables', () => {
    const html = render('**bold** and _it_\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<li>a</li>');
    expect(html).toContain('<td>2</td>');
  });

  it('shows HTML and scripts as text', () => {
    const html = render('Hi <script>alert(1)</script> <img src=x onerror=alert(2)> <b>bold?</b>');
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;bold?&lt;/b&gt;');
  });

  it('drops javascript: links and fetches no images', () => {
    const html = render('[click](javascript:alert(1)) ![cat](https://example.com/cat.png)');
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('<img');
    expect(html).toContain('[image: cat]');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it('wraps code blocks with their language and a copy button', () => {
    const html = render('```ts\nconst x = 1;\n```');
    expect(html).toContain('<span>ts</span>');
    expect(html).toContain('aria-label="Copy code"');
    expect(html).toContain('<code class="language-ts">const x = 1;\n</code>');
  });
});

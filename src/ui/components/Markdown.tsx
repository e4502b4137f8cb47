// Model output as markdown (GFM tables, lists, code). Raw HTML is never enabled: react-markdown
// turns it into plain text, so a "<script>" in a reply shows as those characters. Images become
// links: the page must not fetch whatever address a model makes up.
import { memo } from 'react';
import ReactMarkdown, { type Components, type ExtraProps } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { CopyButton } from './CopyButton.tsx';

type HastNode = NonNullable<ExtraProps['node']> | NonNullable<ExtraProps['node']>['children'][number];

function textOf(node: HastNode): string {
  if (node.type === 'text') return node.value;
  return 'children' in node ? node.children.map(textOf).join('') : '';
}

const components: Components = {
  pre({ node, children }) {
    const code = node?.children.find((c) => c.type === 'element' && c.tagName === 'code');
    const language = code?.type === 'element' ? String(code.properties.className ?? '').match(/language-(\S+)/)?.[1] : undefined;
    return (
      <div className="code-block">
        <div className="code-head">
          <span>{language ?? 'code'}</span>
          <CopyButton text={node ? textOf(node).replace(/\n$/, '') : ''} label="Copy code" />
        </div>
        <pre>{children}</pre>
      </div>
    );
  },
  a({ href, children }) {
    return (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    );
  },
  img({ src, alt }) {
    const href = typeof src === 'string' ? src : undefined;
    return (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        [image: {alt || href}]
      </a>
    );
  },
};

const plugins = [remarkGfm];

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={plugins} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});

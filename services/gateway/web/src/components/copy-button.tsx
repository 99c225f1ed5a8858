import { useState } from 'preact/hooks';

/** Copies `text`; says so for a screen reader too. Without clipboard access, selects the text to copy by hand. */
export function CopyButton({ text, label = 'Copy', describe, class: cls }: { text: string | (() => string); label?: string; /** The accessible name when the visible label is short ("Copy"). */ describe?: string; class?: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  const value = () => (typeof text === 'function' ? text() : text);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value());
      setDone('copied');
    } catch {
      setDone('failed');
    }
    setTimeout(() => setDone(null), 2500);
  }
  return (
    <>
      <button type="button" class={cls ?? 'btn btn-small'} onClick={copy} aria-label={describe}>
        {done === 'copied' ? 'Copied' : label}
      </button>
      <span class="visually-hidden" role="status">
        {done === 'copied' ? 'Copied to the clipboard' : ''}
      </span>
      {done === 'failed' && <textarea class="copy-fallback" readOnly aria-label="Copy this text" value={value()} onFocus={(e) => (e.currentTarget as HTMLTextAreaElement).select()} />}
    </>
  );
}

// A text input whose text is the person's until they commit it (change: blur or Enter): a
// re-render from another field's commit (the builder state is the URL) never resets what is
// being typed; a new value from outside (a loaded funnel) replaces it.
import { useEffect, useState } from 'preact/hooks';

export function DraftInput({ value, onCommit, ...rest }: { value: string; onCommit: (text: string) => void; name: string; maxLength?: number; list?: string; required?: boolean }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <input
      type="text"
      {...rest}
      value={text}
      onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
      onChange={(e) => {
        const next = (e.currentTarget as HTMLInputElement).value;
        if (next !== value) onCommit(next);
      }}
    />
  );
}

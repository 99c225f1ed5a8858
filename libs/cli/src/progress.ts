/**
 * A progress bar with rate and ETA on stderr, for long work (a redrive, a replay catching up).
 * Hand-written: one line redrawn in place on a terminal, a line every few seconds otherwise.
 */
export function formatProgress(done: number, total: number, elapsedMs: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const eta = rate > 0 && done < total ? `ETA ${formatDuration(((total - done) / rate) * 1000)}` : done >= total ? 'done' : 'ETA ?';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} · ${Math.round(rate).toLocaleString('en')}/s · ${eta}`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s >= 86_400 && s % 3600 === 0) return `${Math.floor(s / 86_400)}d${s % 86_400 ? `${(s % 86_400) / 3600}h` : ''}`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface Progress {
  update(done: number, total?: number): void;
  finish(): void;
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  const started = now();
  let lastLine = 0;
  let current = 0;
  let all = total;
  const draw = (final: boolean) => {
    const line = `${label} ${formatProgress(current, all, now() - started)}`;
    if (stream.isTTY) stream.write(`\r${line}${final ? '\n' : ''}`);
    else if (final || now() - lastLine >= 5000) {
      stream.write(`${line}\n`);
      lastLine = now();
    }
  };
  return {
    update(done, newTotal) {
      current = done;
      if (newTotal !== undefined) all = newTotal;
      draw(false);
    },
    finish() {
      draw(true);
    },
  };
}

// Numbers as a person reads them, exact where exactness is the point (unique visitors).

const integer = new Intl.NumberFormat('en-US');
export const formatInt = (n: number) => integer.format(n);
export const formatPercent = (ratio: number, digits = 1) => `${(ratio * 100).toFixed(digits)}%`;

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Relative change, or null when there is nothing to compare with (0 before). */
export function change(current: number, previous: number): number | null {
  if (previous === 0) return current === 0 ? 0 : null;
  return (current - previous) / previous;
}

/** The label of a bucket start in the project's time zone. */
export function formatBucket(iso: string, interval: string, timeZone: string): string {
  const opts: Intl.DateTimeFormatOptions =
    interval === 'minute' || interval === 'hour'
      ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
      : interval === 'month'
        ? { year: 'numeric', month: 'short' }
        : interval === 'year'
          ? { year: 'numeric' }
          : { year: 'numeric', month: 'short', day: 'numeric' };
  return new Intl.DateTimeFormat('en-GB', { ...opts, timeZone }).format(new Date(iso));
}

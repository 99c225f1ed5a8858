import { formatTime } from './model';

/** An instant as date and time that wrap between, never inside, on a narrow screen. */
export function TimeText({ iso, tz }: { iso: string; tz: string }) {
  const text = formatTime(iso, tz);
  const cut = text.lastIndexOf(', ');
  return (
    <time dateTime={iso}>
      <span class="nowrap">{text.slice(0, cut + 1)}</span> <span class="nowrap">{text.slice(cut + 2)}</span>
    </time>
  );
}

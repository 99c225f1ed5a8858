// A uPlot time series in the project's time zone, with an optional comparison drawn over it, an
// accessible summary (role="img") and a "show as table" toggle. uPlot is loaded with the chart
// (a separate chunk), so sign-in and settings never download it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ScrollRegion } from './scroll-region';
import type uPlot from 'uplot';
import { dark } from '../state/theme';
import { formatBucket, formatInt } from './format';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** Drawn dashed and lighter: the comparison period. */
  comparison?: boolean;
}

export interface TimeChartProps {
  id: string;
  title: string;
  /** Bucket starts, ISO instants. */
  starts: string[];
  series: ChartSeries[];
  interval: string;
  timeZone: string;
  /** Labels of the comparison buckets (their own dates), shown in the table. */
  comparisonStarts?: string[];
}

let uplotModule: Promise<typeof uPlot> | undefined;
const loadUplot = () => (uplotModule ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default));

function summary(props: TimeChartProps): string {
  const main = props.series.find((s) => !s.comparison);
  if (!main || props.starts.length === 0) return `${props.title}: no data`;
  const vals = main.values.map((v) => v ?? 0);
  const max = Math.max(...vals);
  const at = vals.indexOf(max);
  const total = vals.reduce((a, b) => a + b, 0);
  return `${props.title}, ${props.starts.length} ${props.interval}s from ${formatBucket(props.starts[0], props.interval, props.timeZone)} to ${formatBucket(props.starts[props.starts.length - 1], props.interval, props.timeZone)}: highest ${formatInt(max)} on ${formatBucket(props.starts[at], props.interval, props.timeZone)}, per-${props.interval} sum ${formatInt(total)}.`;
}

const everyKth = (xs: number[], k: number) => xs.filter((_, i) => i % k === 0);

function tickLabel(seconds: number, interval: string, timeZone: string): string {
  const opts: Intl.DateTimeFormatOptions =
    interval === 'minute' || interval === 'hour' ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : interval === 'month' ? { month: 'short', year: 'numeric' } : interval === 'year' ? { year: 'numeric' } : { day: 'numeric', month: 'short' };
  return new Intl.DateTimeFormat('en-GB', { ...opts, timeZone }).format(new Date(seconds * 1000));
}

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

export function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [asTable, setAsTable] = useState(false);
  // Colours come from the stylesheet, so a theme change redraws.
  const isDark = dark.value;
  // The series arrays are rebuilt on every render of the parent; redraw only when their values change.
  const dataKey = JSON.stringify([props.starts, props.series]);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, [asTable]);
  useEffect(() => {
    const el = box.current;
    if (!el || asTable || width === 0) return;
    let plot: uPlot | undefined;
    let cancelled = false;
    void loadUplot().then((UPlot) => {
      if (cancelled) return;
      const xs = props.starts.map((s) => Date.parse(s) / 1000);
      const line = css('--accent');
      const other = css('--muted');
      plot = new UPlot(
        {
          width,
          height: 240,
          tzDate: (ts: number) => UPlot.tzDate(new Date(ts * 1000), props.timeZone),
          legend: { show: true },
          cursor: { drag: { x: false, y: false } },
          axes: [
            {
              stroke: css('--text-2'),
              grid: { stroke: css('--grid') },
              ticks: { stroke: css('--grid') },
              // Ticks on bucket starts only (a daily chart never shows "8am"), as many as fit.
              splits: () => everyKth(xs, Math.max(1, Math.ceil(xs.length / Math.max(2, Math.floor(width / 110))))),
              values: (_u: uPlot, splits: number[]) => splits.map((v) => tickLabel(v, props.interval, props.timeZone)),
            },
            { stroke: css('--text-2'), grid: { stroke: css('--grid') }, ticks: { stroke: css('--grid') }, size: 56 },
          ],
          scales: { y: { range: (_u: uPlot, _min: number, max: number): [number, number] => [0, Math.max(1, max * 1.1)] } },
          series: [
            { value: (_u: uPlot, v: number | null) => (v == null ? '' : formatBucket(new Date(v * 1000).toISOString(), props.interval, props.timeZone)) },
            ...props.series.map((s) => ({
              label: s.label,
              stroke: s.comparison ? other : line,
              width: 2,
              dash: s.comparison ? [6, 4] : undefined,
              fill: s.comparison ? undefined : `${line}22`,
              points: { show: props.starts.length < 60 },
              value: (_u: uPlot, v: number | null) => (v == null ? '–' : formatInt(v)),
            })),
          ],
        },
        [xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
        el,
      );
    });
    return () => {
      cancelled = true;
      plot?.destroy();
    };
  }, [dataKey, props.timeZone, props.interval, asTable, width, isDark]);
  const label = summary(props);
  return (
    <div class="chart">
      <div class="chart-toolbar">
        <button type="button" class="btn btn-small btn-ghost" aria-pressed={asTable} onClick={() => setAsTable(!asTable)}>
          {asTable ? 'Show as chart' : 'Show as table'}
        </button>
      </div>
      {asTable ? (
        <ScrollRegion label={`${props.title} as a table`}>
          <table class="data-table" id={`${props.id}-table`}>
            <caption class="visually-hidden">{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">Start ({props.timeZone})</th>
                {props.series.map((s) => (
                  <th scope="col" class="num" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.starts.map((start, i) => (
                <tr key={start}>
                  <th scope="row">{formatBucket(start, props.interval, props.timeZone)}</th>
                  {props.series.map((s) => (
                    <td class="num" key={s.label}>
                      {s.values[i] == null ? '–' : formatInt(s.values[i]!)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : (
        <div class="chart-canvas" ref={box} role="img" aria-label={label} />
      )}
    </div>
  );
}

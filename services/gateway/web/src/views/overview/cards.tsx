// The overview's figures, each with its change against the comparison period.
import type { paths } from '../../api/client';
import { change, formatDuration, formatInt, formatPercent } from '../../components/format';

export type Summary = paths['/v1/projects/{projectId}/overview']['get']['responses'][200]['content']['application/json']['current'];

export type Metric = 'visitors' | 'visits' | 'pageviews';

type Figure = 'visitors' | 'visits' | 'pageviews' | 'viewsPerVisit' | 'bounceRate' | 'visitDurationSeconds';

const CARDS: { key: Figure; label: string; format: (n: number) => string; lowerIsBetter?: boolean; chart?: Metric }[] = [
  { key: 'visitors', label: 'Unique visitors', format: formatInt, chart: 'visitors' },
  { key: 'visits', label: 'Visits', format: formatInt, chart: 'visits' },
  { key: 'pageviews', label: 'Pageviews', format: formatInt, chart: 'pageviews' },
  { key: 'viewsPerVisit', label: 'Views per visit', format: (n) => n.toFixed(2) },
  { key: 'bounceRate', label: 'Bounce rate', format: (n) => formatPercent(n, 0), lowerIsBetter: true },
  { key: 'visitDurationSeconds', label: 'Visit duration', format: formatDuration },
];

function Change({ current, previous, lowerIsBetter }: { current: number; previous: number; lowerIsBetter?: boolean }) {
  const c = change(current, previous);
  if (c === null) return <span class="delta">new</span>;
  const good = c === 0 ? null : (c > 0) !== !!lowerIsBetter;
  const arrow = c > 0 ? '↑' : c < 0 ? '↓' : '→';
  return (
    <span class={`delta ${good === null ? '' : good ? 'delta-good' : 'delta-bad'}`}>
      <span aria-hidden="true">{arrow}</span> {formatPercent(Math.abs(c), 0)}
      <span class="visually-hidden">{c > 0 ? ' more' : c < 0 ? ' less' : ' no change'}</span>
    </span>
  );
}

export function Cards({ current, comparison, comparisonLabel, metric, onMetric }: { current: Summary; comparison?: Summary; comparisonLabel?: string; metric: Metric; onMetric: (m: Metric) => void }) {
  return (
    <ul class="cards" aria-label="Figures of the range">
      {CARDS.map((card) => {
        const body = (
          <>
            <span class="card-label">{card.label}</span>
            <span class="card-value" data-metric={card.key}>
              {card.format(current[card.key])}
            </span>
            {comparison && (
              <span class="card-compare" title={`${comparisonLabel ?? 'comparison'}: ${card.format(comparison[card.key])}`}>
                <Change current={current[card.key]} previous={comparison[card.key]} lowerIsBetter={card.lowerIsBetter} /> from{' '}
                <span class="card-previous" data-compare-metric={card.key}>
                  {card.format(comparison[card.key])}
                </span>
              </span>
            )}
          </>
        );
        return (
          <li key={card.key} class={`card ${card.chart === metric ? 'card-active' : ''}`}>
            {card.chart ? (
              <button type="button" class="card-button" aria-pressed={card.chart === metric} onClick={() => onMetric(card.chart!)} title={`Chart ${card.label.toLowerCase()}`}>
                {body}
              </button>
            ) : (
              <div class="card-button">{body}</div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

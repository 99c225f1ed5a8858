// The date range: a native select of presets (each with its shortcut letter) and, for a custom
// range, two native date inputs.
import { PRESETS, type PresetId } from '../state/range-presets';
import { range, setCustomRange, setPreset } from '../state/range';
import { compareMode, comparison, setCompare, type CompareMode } from '../state/comparison';

export function RangePicker() {
  const r = range.value;
  return (
    <div class="control-group range-picker">
      <label class="control">
        <span class="control-label">Range</span>
        <select id="range-select" value={r.preset} onChange={(e) => setPreset((e.currentTarget as HTMLSelectElement).value as PresetId)}>
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label} ({p.key.toUpperCase()})
            </option>
          ))}
        </select>
      </label>
      {r.preset === 'custom' && (
        <>
          <label class="control">
            <span class="control-label">From</span>
            <input type="date" value={r.fromDate} max={r.toDate} onChange={(e) => setCustomRange((e.currentTarget as HTMLInputElement).value, r.toDate)} />
          </label>
          <label class="control">
            <span class="control-label">To</span>
            <input type="date" value={r.toDate} min={r.fromDate} onChange={(e) => setCustomRange(r.fromDate, (e.currentTarget as HTMLInputElement).value)} />
          </label>
        </>
      )}
    </div>
  );
}

const COMPARE_LABELS: Record<CompareMode, string> = { off: 'No comparison', previous: 'Previous period', year: 'Same period last year', custom: 'Custom period' };

export function CompareControl() {
  const mode = compareMode.value;
  const c = comparison.value;
  return (
    <div class="control-group compare-control">
      <label class="control">
        <span class="control-label">Compare (X)</span>
        <select id="compare-select" value={mode} onChange={(e) => setCompare((e.currentTarget as HTMLSelectElement).value as CompareMode)}>
          {(Object.keys(COMPARE_LABELS) as CompareMode[]).map((m) => (
            <option key={m} value={m}>
              {COMPARE_LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      {mode === 'custom' && c && (
        <>
          <label class="control">
            <span class="control-label">From</span>
            <input type="date" value={c.fromDate} onChange={(e) => setCompare('custom', { from: (e.currentTarget as HTMLInputElement).value, to: c.toDate })} />
          </label>
          <label class="control">
            <span class="control-label">To</span>
            <input type="date" value={c.toDate} onChange={(e) => setCompare('custom', { from: c.fromDate, to: (e.currentTarget as HTMLInputElement).value })} />
          </label>
        </>
      )}
      {mode !== 'off' && c && mode !== 'custom' && <span class="hint">vs {c.label}</span>}
    </div>
  );
}

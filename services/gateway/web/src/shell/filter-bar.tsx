// The global filters: one chip per filter (removable), and a small form to add one. `/` focuses
// the value field; a click on any breakdown row adds an "is" filter too.
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { DIMENSIONS, OP_LABELS, dimensionLabel, type FilterOp } from '../state/filter-expr';
import { addFilter, clearFilters, filters, removeFilter } from '../state/filters';

export const FILTER_INPUT_ID = 'filter-value';

/** On a narrow screen the form folds behind a button; `/` unfolds it. */
export const filterFormOpen = signal(false);

export function focusFilter(): void {
  filterFormOpen.value = true;
  requestAnimationFrame(() => document.getElementById(FILTER_INPUT_ID)?.focus());
}

export function FilterBar() {
  const [dim, setDim] = useState('page');
  const [op, setOp] = useState<FilterOp>('is');
  const [value, setValue] = useState('');
  const [trait, setTrait] = useState('');
  const list = filters.value;
  function submit(e: Event) {
    e.preventDefault();
    const values = value.split(',').map((v) => v.trim()).filter(Boolean);
    const d = dim === 'trait' ? (trait.trim() ? `trait:${trait.trim()}` : '') : dim;
    if (!d || values.length === 0) return;
    for (const v of values) addFilter(d, v, op);
    setValue('');
  }
  return (
    <div class="filter-bar">
      <button type="button" class="btn btn-small filter-toggle" aria-expanded={filterFormOpen.value} aria-controls="filter-form" onClick={() => (filterFormOpen.value = !filterFormOpen.value)}>
        {filterFormOpen.value ? 'Hide filter form' : '+ Filter'}
      </button>
      <form id="filter-form" class={`filter-form ${filterFormOpen.value ? 'open' : ''}`} onSubmit={submit} aria-label="Add a filter">
        <label class="control">
          <span class="control-label">Filter</span>
          <select value={dim} onChange={(e) => setDim((e.currentTarget as HTMLSelectElement).value)}>
            {DIMENSIONS.map((d) => (
              <option key={d.id} value={d.id}>
                {d.label}
              </option>
            ))}
            <option value="trait">Trait…</option>
          </select>
        </label>
        {dim === 'trait' && (
          <label class="control">
            <span class="control-label">Trait key</span>
            <input value={trait} size={8} onInput={(e) => setTrait((e.currentTarget as HTMLInputElement).value)} />
          </label>
        )}
        <label class="control">
          <span class="control-label">Operator</span>
          <select value={op} onChange={(e) => setOp((e.currentTarget as HTMLSelectElement).value as FilterOp)}>
            {(Object.keys(OP_LABELS) as FilterOp[]).map((o) => (
              <option key={o} value={o}>
                {OP_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        <label class="control">
          <span class="control-label">Value (/)</span>
          <input id={FILTER_INPUT_ID} value={value} size={12} placeholder="e.g. /pricing" onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="btn btn-small">
          Add
        </button>
      </form>
      {list.length > 0 && (
        <ul class="chips" aria-label="Active filters">
          {list.map((f, i) => (
            <li key={i} class="chip">
              <span>
                {dimensionLabel(f.dim)} <em>{OP_LABELS[f.op]}</em> {f.values.join(' or ')}
              </span>
              <button type="button" class="chip-x" aria-label={`Remove filter ${dimensionLabel(f.dim)} ${OP_LABELS[f.op]} ${f.values.join(' or ')}`} onClick={() => removeFilter(i)}>
                ×
              </button>
            </li>
          ))}
          {list.length > 1 && (
            <li>
              <button type="button" class="btn btn-small btn-ghost" onClick={clearFilters}>
                Clear all
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

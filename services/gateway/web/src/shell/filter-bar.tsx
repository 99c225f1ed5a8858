// The global filters: one chip per filter (removable), and a small form to add one. `/` focuses
// the value field; a click on any breakdown row adds an "is" filter too.
import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { DIMENSIONS, OP_LABELS, dimensionLabel, serializeFilters, type FilterOp } from '../state/filter-expr';
import { formatInt } from '../components/format';
import { addFilter, clearFilters, containsFailure, containsGaps, filters, removeFilter } from '../state/filters';
import { applySegment, canEditSegments, deleteSegment, saveSegment, segmentError, segments } from '../state/segments';

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
      <ContainsNotes />
      <SegmentControls />
    </div>
  );
}

/** A "contains" filter is the values it matched: say when some were left out, so a figure is never silently partial. */
function ContainsNotes() {
  const gaps = Object.entries(containsGaps.value);
  const failure = containsFailure.value;
  if (failure) {
    return (
      <p class="note note-warn contains-notes" role="alert" data-warning="contains-failed">
        The values a “contains” filter matches could not be listed ({failure.message}){failure.retryAt ? '; trying again in a few seconds' : ''}. The panels wait for them.
      </p>
    );
  }
  if (!gaps.length) return null;
  const list = filters.value;
  return (
    <ul class="contains-notes">
      {gaps.map(([i, g]) => {
        const f = list[Number(i)];
        if (!f) return null;
        const parts = [`“${dimensionLabel(f.dim)} contains ${f.values.join(' or ')}” matched ${formatInt(g.matched)} value${g.matched === 1 ? '' : 's'}`];
        if (g.used < g.matched) parts.push(`only the ${formatInt(g.used)} with the most visitors apply (a filter takes at most ${formatInt(g.used)})`);
        if (g.truncated) parts.push(`looked for among only the ${formatInt(g.truncated.valuesRead)} values with the most events, of the ${formatInt(g.truncated.valuesInRange)} in this range (the server's read cost limit): narrow the range to match them all`);
        return (
          <li key={i} class="note note-warn" data-warning="contains">
            {parts.join('; ')}.
          </li>
        );
      })}
    </ul>
  );
}

const SEGMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/;

/** Saved segments: pick one to replace the filters with it; save the current filters under a name. */
function SegmentControls() {
  const [name, setName] = useState('');
  const list = filters.value;
  const saved = segments.value;
  const current = serializeFilters(list);
  const active = saved.find((s) => current !== null && serializeFilters(s.filters) === current)?.name ?? '';
  const editable = canEditSegments.value;
  if (!saved.length && !(list.length && editable)) return null;
  async function save(e: Event) {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    if (!SEGMENT_NAME.test(n) || n.length > 100) {
      segmentError.value = 'A segment name is letters, digits, space, _ . - (at most 100), starting with a letter or digit';
      return;
    }
    if (await saveSegment(n)) setName('');
  }
  return (
    <div class="segment-bar">
      {saved.length > 0 && (
        <>
          <label class="control">
            <span class="control-label">Segments</span>
            <select value={active} onChange={(e) => applySegment((e.currentTarget as HTMLSelectElement).value)}>
              <option value="" disabled>
                Apply a segment…
              </option>
              {saved.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          {editable && active && (
            <button type="button" class="btn btn-small btn-ghost" onClick={() => void deleteSegment(active)}>
              Delete segment “{active}”
            </button>
          )}
        </>
      )}
      {list.length > 0 && editable && (
        <form class="segment-save" onSubmit={save} aria-label="Save the filters as a segment">
          <label class="control">
            <span class="control-label">Segment name</span>
            <input value={name} size={14} maxLength={100} placeholder="e.g. Mobile in FR" onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="btn btn-small">
            Save as segment
          </button>
        </form>
      )}
      {segmentError.value && (
        <p class="segment-error" role="alert">
          {segmentError.value}
        </p>
      )}
    </div>
  );
}

// Keyboard shortcuts (as in Plausible): one letter per date preset, `x` comparison, `/` filter,
// `?` this sheet, Esc closes what is open or clears the filters. Ignored while typing in a field.
import { signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { PRESETS } from '../state/range-presets';
import { setPreset } from '../state/range';
import { toggleCompare } from '../state/comparison';
import { clearFilters, filters } from '../state/filters';
import { route } from '../state/url';
import { FILTER_INPUT_ID, focusFilter } from './filter-bar';

export const helpOpen = signal(false);

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export function onShortcut(e: KeyboardEvent): void {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Escape') {
    if (helpOpen.value) return;
    const el = e.target as HTMLElement | null;
    if (el?.id === FILTER_INPUT_ID) {
      (el as HTMLInputElement).blur();
      return;
    }
    if (!typing(e.target) && filters.value.length) clearFilters();
    return;
  }
  if (typing(e.target)) return;
  if (e.key === '?') {
    helpOpen.value = true;
    e.preventDefault();
    return;
  }
  if (!route.value.projectId || route.value.view === 'settings') return;
  if (e.key === '/') {
    focusFilter();
    e.preventDefault();
    return;
  }
  const key = e.key.toLowerCase();
  if (key === 'x') {
    toggleCompare();
    return;
  }
  const preset = PRESETS.find((p) => p.key === key);
  if (preset) setPreset(preset.id);
}

export function useShortcuts(): void {
  useEffect(() => {
    document.addEventListener('keydown', onShortcut);
    return () => document.removeEventListener('keydown', onShortcut);
  }, []);
}

export function HelpSheet() {
  const ref = useRef<HTMLDialogElement>(null);
  const open = helpOpen.value;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} class="help-sheet" aria-labelledby="help-title" onClose={() => (helpOpen.value = false)}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table class="data-table">
        <tbody>
          {PRESETS.map((p) => (
            <tr key={p.id}>
              <th scope="row">
                <kbd>{p.key.toUpperCase()}</kbd>
              </th>
              <td>{p.label}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">
              <kbd>X</kbd>
            </th>
            <td>Compare with the previous period (on / off)</td>
          </tr>
          <tr>
            <th scope="row">
              <kbd>/</kbd>
            </th>
            <td>Add a filter</td>
          </tr>
          <tr>
            <th scope="row">
              <kbd>Esc</kbd>
            </th>
            <td>Close this sheet, leave the filter field, or clear the filters</td>
          </tr>
          <tr>
            <th scope="row">
              <kbd>?</kbd>
            </th>
            <td>This sheet</td>
          </tr>
        </tbody>
      </table>
      <form method="dialog">
        <button class="btn" type="submit">
          Close
        </button>
      </form>
    </dialog>
  );
}

// Dark mode follows the system unless the person picks light or dark (remembered on this device).
// The stylesheet knows one attribute, data-theme, so both share one block of colours.
import { computed, signal } from '@preact/signals';

export type Theme = 'system' | 'light' | 'dark';
const KEY = 'sightline.theme';
const media = window.matchMedia?.('(prefers-color-scheme: dark)');

function stored(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export const theme = signal<Theme>(stored());
const systemDark = signal(media?.matches ?? false);
media?.addEventListener('change', () => (systemDark.value = media.matches));

export const dark = computed(() => (theme.value === 'system' ? systemDark.value : theme.value === 'dark'));

dark.subscribe((d) => document.documentElement.setAttribute('data-theme', d ? 'dark' : 'light'));

export function toggleTheme(): void {
  const next: Theme = dark.value ? 'light' : 'dark';
  theme.value = next === (systemDark.value ? 'dark' : 'light') ? 'system' : next;
  try {
    if (theme.value === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme.value);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

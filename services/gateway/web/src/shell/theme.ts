// Dark mode follows the system unless the person picks light or dark (remembered on this device).
import { signal } from '@preact/signals';

export type Theme = 'system' | 'light' | 'dark';
const KEY = 'sightline.theme';

function stored(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export const theme = signal<Theme>(stored());

function apply(t: Theme) {
  if (t === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', t);
}
apply(theme.value);

const systemDark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
export const isDark = () => (theme.value === 'system' ? systemDark() : theme.value === 'dark');

export function toggleTheme(): void {
  const next: Theme = isDark() ? 'light' : 'dark';
  theme.value = next === (systemDark() ? 'dark' : 'light') ? 'system' : next;
  try {
    if (theme.value === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme.value);
  } catch {
    // private mode: the choice lasts for this page only
  }
  apply(theme.value);
}

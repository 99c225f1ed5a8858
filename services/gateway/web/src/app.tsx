import { route } from './state/url';

/** Placeholder shell: replaced by the dashboard's layout, sign-in and view switch. */
export function App() {
  return <main><h1>Sightline</h1><p>{route.value.view}</p></main>;
}

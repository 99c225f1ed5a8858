// Event log: first cut so the shell's routes compile against the final export; filled in next.
import { Loading } from '../../components/states';

export function EventsView(_props: { projectId: string }) {
  return (
    <div class="view">
      <h1>Event log</h1>
      <Loading label="Loading the event log" />
    </div>
  );
}

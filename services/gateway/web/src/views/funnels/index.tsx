// Funnels: first cut so the shell's routes compile against the final export; filled in next.
import { Loading } from '../../components/states';

export function FunnelsView(_props: { projectId: string }) {
  return (
    <div class="view">
      <h1>Funnels</h1>
      <Loading label="Loading funnels" />
    </div>
  );
}

// Compare populations: first cut so the shell's routes compile against the final export; filled in next.
import { Loading } from '../../components/states';

export function CompareView(_props: { projectId: string }) {
  return (
    <div class="view">
      <h1>Compare populations</h1>
      <Loading label="Loading the comparison" />
    </div>
  );
}

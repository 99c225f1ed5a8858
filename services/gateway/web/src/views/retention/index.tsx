// Retention: first cut so the shell's routes compile against the final export; filled in next.
import { Loading } from '../../components/states';

export function RetentionView(_props: { projectId: string }) {
  return (
    <div class="view">
      <h1>Retention</h1>
      <Loading label="Loading retention" />
    </div>
  );
}

// Visitor profile: first cut so the shell's routes compile against the final export; filled in next.
import { Loading } from '../../components/states';

export function VisitorView(props: { projectId: string; visitorId: string }) {
  return (
    <div class="view">
      <h1>Visitor {props.visitorId}</h1>
      <Loading label="Loading the visitor" />
    </div>
  );
}

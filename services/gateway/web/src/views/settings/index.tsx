export function SettingsView({ projectId }: { projectId: string }) {
  return <p>{projectId}</p>;
}

// Settings by role: everyone sees the tracking snippet and the members; admins change the
// project, its keys and the members.
import { Loading } from '../../components/states';
import { currentProject, currentRole } from '../../state/session';
import { FirstEventGuide, Snippets, useHasEvents, WaitingBadge } from './first-event';
import { GeneralSettings } from './general';
import { ReadKeys, WriteKey } from './keys';
import { Members } from './members';

export function SettingsView({ projectId }: { projectId: string }) {
  const project = currentProject.value;
  const role = currentRole.value;
  const has = useHasEvents(projectId, !!project);
  if (!project) return <Loading label="Loading the project" />;
  const admin = role === 'admin';
  return (
    <div class="settings">
      <h1>Settings of {project.name}</h1>
      <p class="hint">
        Your role: {role}. {admin ? 'You can change everything here.' : 'Only an admin can change the project, its keys and members.'}
      </p>
      {has === false ? (
        <FirstEventGuide project={project} has={false} />
      ) : (
        <section class="panel" aria-labelledby="tracking-title">
          <h2 id="tracking-title">Tracking</h2>
          <WaitingBadge has={has} />
          <Snippets project={project} />
        </section>
      )}
      <div class="settings-grid">
        <GeneralSettings key={project.id} project={project} canEdit={admin} />
        <div>
          {admin && <WriteKey project={project} />}
          {admin && <ReadKeys project={project} />}
          <Members accountId={project.accountId} canEdit={admin} />
        </div>
      </div>
    </div>
  );
}

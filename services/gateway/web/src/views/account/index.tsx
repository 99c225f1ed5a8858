// The member's page: their projects, a new project, the password.
import { useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { expectNoContent, useFormAction } from '../../components/form-action';
import { Link } from '../../shell/layout';
import { addProject, me, projects } from '../../state/session';
import { location, navigate } from '../../state/url';
import { FormError } from '../auth';
import { TimeZoneSelect } from '../../components/time-zone-select';

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function NewProject() {
  const admin = me.value?.accounts.filter((a) => a.role === 'admin') ?? [];
  const [accountId, setAccountId] = useState(admin[0]?.id ?? '');
  const [name, setName] = useState('');
  const [zone, setZone] = useState(browserZone());
  const { error, busy, run } = useFormAction();
  if (admin.length === 0) return <p>Only an account admin can create projects; ask one of yours.</p>;
  function submit(e: Event) {
    e.preventDefault();
    void run(async () => {
      const { project } = await unwrap(api.POST('/v1/accounts/{accountId}/projects', { params: { path: { accountId } }, body: { name, timeZone: zone } }));
      addProject(project);
      navigate(`/p/${encodeURIComponent(project.id)}/overview`);
    });
  }
  return (
    <form class="form" onSubmit={submit} aria-labelledby="new-project-title">
      <h2 id="new-project-title">New project</h2>
      {admin.length > 1 && (
        <label>
          Account
          <select value={accountId} onChange={(e) => setAccountId((e.currentTarget as HTMLSelectElement).value)}>
            {admin.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Name <span class="hint">(the site or app you track)</span>
        <input name="project-name" required maxLength={200} autoFocus={location.value.params.get('new') === 'project'} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        Time zone <span class="hint">(days and charts start at its midnight)</span>
        <TimeZoneSelect value={zone} onChange={setZone} />
      </label>
      <FormError error={error} />
      <button class="btn btn-primary" type="submit" disabled={busy}>
        Create project
      </button>
    </form>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const { error, busy, run } = useFormAction({ 403: 'The current password is wrong.' });
  function submit(e: Event) {
    e.preventDefault();
    void run(async () => {
      await expectNoContent(api.PUT('/v1/me/password', { body: { currentPassword: current, newPassword: next } }));
      // Every session ends with a password change, this one too.
      me.value = null;
      navigate('/sign-in', { changed: '1' }, true);
    });
  }
  return (
    <form class="form" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <label>
        Current password
        <input type="password" autoComplete="current-password" required value={current} onInput={(e) => setCurrent((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <label>
        New password <span class="hint">(at least 8 characters; signs out every session)</span>
        <input type="password" autoComplete="new-password" minLength={8} required value={next} onInput={(e) => setNext((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <FormError error={error} />
      <button class="btn" type="submit" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

export function AccountView() {
  const who = me.value!;
  return (
    <div class="account-page">
      <h1>Your account</h1>
      <p>
        Signed in as <strong>{who.member.email}</strong>
      </p>
      <section aria-labelledby="projects-title" class="panel">
        <h2 id="projects-title">Projects</h2>
        {projects.value.length === 0 ? (
          <p>No project yet: create one below, then send its first event.</p>
        ) : (
          <ul class="project-list">
            {projects.value.map((p) => (
              <li key={p.id}>
                <Link href={`/p/${encodeURIComponent(p.id)}/overview`}>{p.name}</Link> <span class="hint">{who.accounts.find((a) => a.id === p.accountId)?.name}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <div class="panel">
        <NewProject />
      </div>
      <div class="panel">
        <ChangePassword />
      </div>
    </div>
  );
}

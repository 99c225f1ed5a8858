// The account's members and their roles; an admin adds, changes and removes them.
import { useState } from 'preact/hooks';
import { ScrollRegion } from '../../components/scroll-region';
import { api, unwrap } from '../../api/client';
import { expectNoContent, useFormAction } from '../../components/form-action';
import { useResource } from '../../components/resource';
import { Async } from '../../components/states';
import { me, type Role } from '../../state/session';
import { FormError } from '../auth';

const ROLES: { id: Role; label: string }[] = [
  { id: 'admin', label: 'Admin: settings, keys, members, erasure' },
  { id: 'analyst', label: 'Analyst: every view, saved funnels' },
  { id: 'viewer', label: 'Viewer: read only' },
];

export function Members({ accountId, canEdit }: { accountId: string; canEdit: boolean }) {
  const [nonce, setNonce] = useState(0);
  const members = useResource(`${accountId}:${nonce}`, () => unwrap(api.GET('/v1/accounts/{accountId}/members', { params: { path: { accountId } } })));
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useFormAction();
  const refresh = () => setNonce((n) => n + 1);
  const self = me.value?.member.id;
  function add(e: Event) {
    e.preventDefault();
    void run(async () => {
      await unwrap(api.POST('/v1/accounts/{accountId}/members', { params: { path: { accountId } }, body: { email, role, password: password || undefined } }));
      setEmail('');
      setPassword('');
      refresh();
    });
  }
  const change = (memberId: string, next: Role) => run(async () => (await expectNoContent(api.PATCH('/v1/accounts/{accountId}/members/{memberId}', { params: { path: { accountId, memberId } }, body: { role: next } })), refresh()));
  const remove = (memberId: string, who: string) =>
    run(async () => {
      if (!window.confirm(`Remove ${who} from this account?`)) return;
      await expectNoContent(api.DELETE('/v1/accounts/{accountId}/members/{memberId}', { params: { path: { accountId, memberId } } }));
      refresh();
    });
  return (
    <section class="panel" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <Async part="Members" resource={members}>
        {(data) => (
          <ScrollRegion label="Members">
            <table class="data-table" aria-label="Members">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  {canEdit && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {data.members.map((m) => (
                  <tr key={m.id}>
                    <th scope="row">{m.email}</th>
                    <td>
                      {canEdit && m.id !== self ? (
                        <select aria-label={`Role of ${m.email}`} value={m.role} disabled={busy} onChange={(e) => void change(m.id, (e.currentTarget as HTMLSelectElement).value as Role)}>
                          {ROLES.map((r) => (
                            <option key={r.id} value={r.id}>
                              {r.id}
                            </option>
                          ))}
                        </select>
                      ) : (
                        m.role
                      )}
                    </td>
                    {canEdit && (
                      <td>
                        {m.id !== self && (
                          <button type="button" class="btn btn-small btn-danger" disabled={busy} onClick={() => void remove(m.id, m.email)}>
                            Remove
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </Async>
      {canEdit && (
        <form class="form" onSubmit={add} aria-labelledby="add-member-title">
          <h3 id="add-member-title">Add a member</h3>
          <label>
            Email
            <input type="email" required value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as Role)}>
              {ROLES.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Password for a new person <span class="hint">(optional for someone who already has an account here)</span>
            <input type="password" autoComplete="new-password" minLength={8} value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="btn" disabled={busy}>
            Add member
          </button>
        </form>
      )}
      <FormError error={error} />
    </section>
  );
}

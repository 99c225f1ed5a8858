// Keys: the public write key (rotate, optionally keeping the old one working for a while) and
// secret read keys (create, rotate — the new secret shown once — and revoke).
import { useState } from 'preact/hooks';
import { ScrollRegion } from '../../components/scroll-region';
import { api, unwrap } from '../../api/client';
import { CopyButton } from '../../components/copy-button';
import { expectNoContent, useFormAction } from '../../components/form-action';
import { useResource } from '../../components/resource';
import { Async } from '../../components/states';
import { updateProject, type Project } from '../../state/session';
import { FormError } from '../auth';

export function WriteKey({ project }: { project: Project }) {
  const [keep, setKeep] = useState(true);
  const { error, busy, run } = useFormAction();
  const rotate = () =>
    run(async () => {
      if (!window.confirm(keep ? 'Rotate the write key? The current one keeps working until you retire it.' : 'Rotate the write key? Sites using the current one stop being counted at once.')) return;
      updateProject((await unwrap(api.POST('/v1/projects/{projectId}/write-key/rotate', { params: { path: { projectId: project.id } }, body: { keepPrevious: keep } }))).project);
    });
  const retire = () => run(async () => updateProject((await unwrap(api.DELETE('/v1/projects/{projectId}/write-key/previous', { params: { path: { projectId: project.id } } }))).project));
  return (
    <section class="panel" aria-labelledby="write-key-title">
      <h2 id="write-key-title">Write key</h2>
      <p class="hint">Public: it is in your pages. It can only send events, never read them.</p>
      <p>
        <code data-write-key>{project.writeKey}</code> <CopyButton text={project.writeKey} label="Copy write key" />
      </p>
      {project.previousWriteKey && (
        <p>
          Previous key <code>{project.previousWriteKey}</code> still accepted.{' '}
          <button type="button" class="btn btn-small" disabled={busy} onClick={() => void retire()}>
            Retire it
          </button>
        </p>
      )}
      <label class="checkbox">
        <input type="checkbox" checked={keep} onChange={(e) => setKeep((e.currentTarget as HTMLInputElement).checked)} />
        Keep the current key working until I retire it
      </label>
      <button type="button" class="btn" disabled={busy} onClick={() => void rotate()}>
        Rotate write key
      </button>
      <FormError error={error} />
    </section>
  );
}

function NewSecret({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  return (
    <div class="new-secret" role="status" data-new-secret>
      <p>
        <strong>Copy the secret of “{name}” now: it is shown only once.</strong>
      </p>
      <p class="secret" data-secret>
        {secret}
      </p>
      <CopyButton text={secret} label="Copy secret" /> <button type="button" class="btn btn-small" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

export function ReadKeys({ project }: { project: Project }) {
  const [nonce, setNonce] = useState(0);
  const keys = useResource(`${project.id}:${nonce}`, () => unwrap(api.GET('/v1/projects/{projectId}/keys', { params: { path: { projectId: project.id } } })));
  const [name, setName] = useState('');
  const [shown, setShown] = useState<{ name: string; secret: string } | null>(null);
  const { error, busy, run } = useFormAction();
  const path = { projectId: project.id };
  const refresh = () => setNonce((n) => n + 1);
  function create(e: Event) {
    e.preventDefault();
    void run(async () => {
      const { key } = await unwrap(api.POST('/v1/projects/{projectId}/keys', { params: { path }, body: { name } }));
      setShown({ name: key.name, secret: key.secret });
      setName('');
      refresh();
    });
  }
  const rotate = (keyId: string, keyName: string) =>
    run(async () => {
      if (!window.confirm(`Rotate “${keyName}”? Programs using its current secret stop working.`)) return;
      const { key } = await unwrap(api.POST('/v1/projects/{projectId}/keys/{keyId}/rotate', { params: { path: { ...path, keyId } } }));
      setShown({ name: key.name, secret: key.secret });
      refresh();
    });
  const revoke = (keyId: string, keyName: string) =>
    run(async () => {
      if (!window.confirm(`Revoke “${keyName}”? Programs using it stop working at once.`)) return;
      await expectNoContent(api.DELETE('/v1/projects/{projectId}/keys/{keyId}', { params: { path: { ...path, keyId } } }));
      refresh();
    });
  return (
    <section class="panel" aria-labelledby="read-keys-title">
      <h2 id="read-keys-title">Read keys</h2>
      <p class="hint">Secret keys for programs reading this project's figures through the API (the “API” button of every panel).</p>
      {shown && <NewSecret {...shown} onDone={() => setShown(null)} />}
      <Async part="Read keys" resource={keys}>
        {(data) =>
          data.keys.length === 0 ? (
            <p>No read key yet.</p>
          ) : (
            <ScrollRegion label="Read keys">
              <table class="data-table" aria-label="Read keys">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Starts with</th>
                    <th scope="col">Created</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.keys.map((k) => (
                    <tr key={k.id} data-key-name={k.name}>
                      <th scope="row">{k.name}</th>
                      <td>
                        <code>{k.prefix}…</code>
                      </td>
                      <td>{k.createdAt.slice(0, 10)}</td>
                      <td>
                        {k.revokedAt ? (
                          <span data-revoked>revoked {k.revokedAt.slice(0, 10)}</span>
                        ) : (
                          <>
                            <button type="button" class="btn btn-small" disabled={busy} onClick={() => void rotate(k.id, k.name)} aria-label={`Rotate ${k.name}`}>
                              Rotate
                            </button>{' '}
                            <button type="button" class="btn btn-small btn-danger" disabled={busy} onClick={() => void revoke(k.id, k.name)} aria-label={`Revoke ${k.name}`}>
                              Revoke
                            </button>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          )
        }
      </Async>
      <form class="inline-form" onSubmit={create}>
        <label class="control">
          <span class="control-label">New key name</span>
          <input name="key-name" required maxLength={100} value={name} placeholder="e.g. weekly report" onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="btn" disabled={busy}>
          Create read key
        </button>
      </form>
      <FormError error={error} />
    </section>
  );
}

// Saved funnels: load one into the builder (its definition goes into the URL), save the builder
// under a name (analysts and admins), delete one.
import { useState } from 'preact/hooks';
import { api, unwrap, type ApiError } from '../../api/client';
import { useResource } from '../../components/resource';
import { currentRole } from '../../state/session';
import { setParams } from '../../state/url';
import { definition, fromDefinition, problem, stateParams, type FunnelState } from './model';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/;

export function SavedFunnels({ projectId, state }: { projectId: string; state: FunnelState }) {
  const [nonce, setNonce] = useState(0);
  const list = useResource(`${projectId}:${nonce}`, () => unwrap(api.GET('/v1/projects/{projectId}/funnels', { params: { path: { projectId } } })));
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const canWrite = currentRole.value === 'admin' || currentRole.value === 'analyst';
  const why = problem(state);
  const fail = (err: unknown) => setMessage({ ok: false, text: (err as ApiError).message ?? String(err) });
  async function save(e: Event) {
    e.preventDefault();
    const n = name.trim();
    if (!NAME.test(n) || n.length > 100 || n === 'query') return setMessage({ ok: false, text: 'A name is 1 to 100 letters, digits, spaces, _ . or -, and not “query”.' });
    try {
      await unwrap(api.PUT('/v1/projects/{projectId}/funnels/{name}', { params: { path: { projectId, name: n } }, body: definition(state) }));
      setMessage({ ok: true, text: `Saved “${n}”.` });
      setNonce((x) => x + 1);
    } catch (err) {
      fail(err);
    }
  }
  async function remove(n: string) {
    if (!window.confirm(`Delete the saved funnel “${n}”?`)) return;
    const { response } = await api.DELETE('/v1/projects/{projectId}/funnels/{name}', { params: { path: { projectId, name: n } } });
    if (response.status === 204) setMessage({ ok: true, text: `Deleted “${n}”.` });
    else setMessage({ ok: false, text: `“${n}” could not be deleted (HTTP ${response.status}).` });
    setNonce((x) => x + 1);
  }
  const funnels = list.data?.funnels ?? [];
  return (
    <div class="saved-funnels">
      <h3 class="subhead">Saved funnels</h3>
      {list.status === 'error' ? (
        <p role="alert">The saved funnels could not be listed: {list.error?.message}.</p>
      ) : funnels.length === 0 ? (
        <p class="hint">{list.data ? 'None saved yet.' : 'Loading…'}</p>
      ) : (
        <ul class="saved-list">
          {funnels.map((f) => (
            <li key={f.name} data-saved-funnel={f.name}>
              <button
                type="button"
                class="link-button"
                aria-label={`Load the saved funnel ${f.name}`}
                onClick={() => {
                  setName(f.name);
                  setParams({ ...stateParams(fromDefinition(f.definition)), vstep: null, vkind: null });
                }}
              >
                {f.name}
              </button>
              <span class="hint"> {f.definition.steps.length} steps</span>
              {canWrite && (
                <button type="button" class="btn btn-small btn-ghost btn-danger" aria-label={`Delete the saved funnel ${f.name}`} onClick={() => void remove(f.name)}>
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canWrite ? (
        <form class="inline-form" onSubmit={save}>
          <label class="control">
            <span class="control-label">Save as</span>
            <input name="funnel-name" value={name} maxLength={100} required onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="btn btn-small" disabled={!!why}>
            Save
          </button>
        </form>
      ) : (
        <p class="hint">Viewers can load saved funnels; analysts and admins save them.</p>
      )}
      {message && (
        <p role="status" class={message.ok ? 'hint' : 'form-error'}>
          {message.text}
        </p>
      )}
    </div>
  );
}

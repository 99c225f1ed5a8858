// The project's settings form (PATCH /v1/projects/{id}): only what changed is sent; a viewer or
// analyst sees the values read-only.
import { useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { useFormAction } from '../../components/form-action';
import { updateProject, type Project } from '../../state/session';
import { FormError } from '../auth';
import { TimeZoneSelect } from '../../components/time-zone-select';

type Draft = {
  name: string;
  timeZone: string;
  origins: string;
  cookieless: boolean;
  botFiltering: boolean;
  privacySignals: Project['privacySignals'];
  sessionTimeoutMinutes: number;
  minuteBucketDays: number;
  hourBucketDays: number;
  maxEventAgeDays: number;
  eventStoreMonths: string;
};

const draftOf = (p: Project): Draft => ({
  name: p.name,
  timeZone: p.timeZone,
  origins: p.allowedOrigins.join('\n'),
  cookieless: p.cookieless,
  botFiltering: p.botFiltering,
  privacySignals: p.privacySignals,
  sessionTimeoutMinutes: p.sessionTimeoutMinutes,
  minuteBucketDays: p.retention.minuteBucketDays,
  hourBucketDays: p.retention.hourBucketDays,
  maxEventAgeDays: p.retention.maxEventAgeDays,
  eventStoreMonths: p.retention.eventStoreMonths === null ? '' : String(p.retention.eventStoreMonths),
});

const PRIVACY: Record<Project['privacySignals'], string> = {
  drop: 'Drop events of browsers sending Do Not Track / Global Privacy Control',
  anonymous: 'Count them without an id (cookieless fingerprint only)',
  ignore: 'Ignore the signals',
};

export function GeneralSettings({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const [d, setD] = useState<Draft>(() => draftOf(project));
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useFormAction();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => {
    setSaved(false);
    setD({ ...d, [k]: v });
  };
  const text = (k: keyof Draft) => (e: Event) => set(k, (e.currentTarget as HTMLInputElement).value as never);
  const num = (k: keyof Draft) => (e: Event) => set(k, Number((e.currentTarget as HTMLInputElement).value) as never);
  const bool = (k: keyof Draft) => (e: Event) => set(k, (e.currentTarget as HTMLInputElement).checked as never);
  function submit(e: Event) {
    e.preventDefault();
    void run(async () => {
      const body = {
        name: d.name,
        timeZone: d.timeZone,
        allowedOrigins: d.origins.split(/\s+/).filter(Boolean),
        cookieless: d.cookieless,
        botFiltering: d.botFiltering,
        privacySignals: d.privacySignals,
        sessionTimeoutMinutes: d.sessionTimeoutMinutes,
        retention: { minuteBucketDays: d.minuteBucketDays, hourBucketDays: d.hourBucketDays, maxEventAgeDays: d.maxEventAgeDays, eventStoreMonths: d.eventStoreMonths ? Number(d.eventStoreMonths) : null },
      };
      const { project: next } = await unwrap(api.PATCH('/v1/projects/{projectId}', { params: { path: { projectId: project.id } }, body }));
      updateProject(next);
      setD(draftOf(next));
      setSaved(true);
    });
  }
  return (
    <form class="form panel" onSubmit={submit} aria-labelledby="general-title">
      <h2 id="general-title">Project</h2>
      <fieldset disabled={!canEdit} class="plain-fieldset form">
        <label>
          Name
          <input required maxLength={200} value={d.name} onInput={text('name')} />
        </label>
        <label>
          Time zone <span class="hint">(days, charts and presets start at its midnight)</span>
          <TimeZoneSelect value={d.timeZone} onChange={(z) => set('timeZone', z)} />
        </label>
        <label>
          Allowed origins <span class="hint">(one per line, e.g. https://example.com; * allows any site)</span>
          <textarea name="allowedOrigins" rows={3} value={d.origins} onInput={text('origins')} />
        </label>
        <label class="checkbox">
          <input type="checkbox" name="cookieless" checked={d.cookieless} onChange={bool('cookieless')} />
          Cookieless: identify visitors by a daily-rotating hash, never a stored id
        </label>
        <label class="checkbox">
          <input type="checkbox" name="botFiltering" checked={d.botFiltering} onChange={bool('botFiltering')} />
          Filter bots (known crawlers and headless browsers are not counted)
        </label>
        <label>
          Privacy signals
          <select value={d.privacySignals} onChange={text('privacySignals')}>
            {(Object.keys(PRIVACY) as Project['privacySignals'][]).map((k) => (
              <option key={k} value={k}>
                {PRIVACY[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Session timeout <span class="hint">(minutes of inactivity that end a visit, 1–1440)</span>
          <input type="number" min={1} max={1440} required value={d.sessionTimeoutMinutes} onInput={num('sessionTimeoutMinutes')} />
        </label>
        <fieldset class="plain-fieldset">
          <legend>Retention</legend>
          <label>
            Minute buckets, days <span class="hint">(1–14; "visitors now" needs at least 1)</span>
            <input type="number" min={1} max={14} required value={d.minuteBucketDays} onInput={num('minuteBucketDays')} />
          </label>
          <label>
            Hour buckets, days <span class="hint">(1–400)</span>
            <input type="number" min={1} max={400} required value={d.hourBucketDays} onInput={num('hourBucketDays')} />
          </label>
          <label>
            Oldest accepted event, days <span class="hint">(1–400)</span>
            <input type="number" min={1} max={400} required value={d.maxEventAgeDays} onInput={num('maxEventAgeDays')} />
          </label>
          <label>
            Event log kept, months <span class="hint">(1–120; empty keeps everything)</span>
            <input type="number" min={1} max={120} value={d.eventStoreMonths} onInput={text('eventStoreMonths')} />
          </label>
        </fieldset>
      </fieldset>
      <FormError error={error} />
      {saved && (
        <p role="status" class="badge badge-ok">
          Saved: ingest applies it within seconds
        </p>
      )}
      {canEdit ? (
        <button class="btn btn-primary" type="submit" disabled={busy}>
          Save settings
        </button>
      ) : (
        <p class="hint">Only an admin of this account can change these.</p>
      )}
    </form>
  );
}

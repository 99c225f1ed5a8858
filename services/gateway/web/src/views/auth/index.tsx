// Sign in and sign up. After either, the person lands where they were going (`next`), or on their
// first project, or on the account page to create one.
import { useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { useFormAction } from '../../components/form-action';
import { Link } from '../../shell/layout';
import { server } from '../../state/server';
import { loadSession, projects } from '../../state/session';
import { location, navigate } from '../../state/url';

export function landingPath(): string {
  const next = location.value.params.get('next');
  if (next && next.startsWith('/') && !next.startsWith('//')) return next;
  const first = projects.value[0];
  return first ? `/p/${encodeURIComponent(first.id)}/overview` : '/account?new=project';
}

export function FormError({ error }: { error: string | null }) {
  return error ? (
    <p class="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

export function SignInView() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useFormAction({ 401: 'The email or the password is wrong.' });
  function submit(e: Event) {
    e.preventDefault();
    void run(async () => {
      await unwrap(api.POST('/v1/session', { body: { email, password } }));
      await loadSession();
      const to = new URL(landingPath(), window.location.origin);
      navigate(to.pathname, to.searchParams, true);
    });
  }
  return (
    <div class="auth-card">
      <h1>Sign in to Sightline</h1>
      {location.value.params.get('changed') && <p role="status">Your password was changed: sign in with the new one.</p>}
      <form onSubmit={submit} class="form">
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <FormError error={error} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {server.value?.signupOpen !== false && (
        <p>
          New here? <Link href="/sign-up">Create an account</Link>
        </p>
      )}
    </div>
  );
}

export function SignUpView() {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, run } = useFormAction({ 403: 'Sign-up is closed on this server: ask an admin of your team to add you.' });
  function submit(e: Event) {
    e.preventDefault();
    void run(async () => {
      await unwrap(api.POST('/v1/accounts', { body: { name, email, password } }));
      await unwrap(api.POST('/v1/session', { body: { email, password } }));
      await loadSession();
      navigate('/account', { new: 'project' }, true);
    });
  }
  return (
    <div class="auth-card">
      <h1>Create an account</h1>
      <form onSubmit={submit} class="form">
        <label>
          Team or company name
          <input name="name" required maxLength={200} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Password <span class="hint">(at least 8 characters)</span>
          <input type="password" name="password" autoComplete="new-password" minLength={8} required value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <FormError error={error} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link href="/sign-in">Sign in</Link>
      </p>
    </div>
  );
}

import { projectOrDefaults, prepareEvent } from './prepare.handler';
import { rawEvent } from '../../test/harness';

const salts = new Map([[new Date().toISOString().slice(0, 10), Buffer.alloc(32, 7)]]);
const at = new Date().toISOString();
const project = (over = {}) => ({ ...projectOrDefaults(undefined, 'p1'), ...over });

describe('prepareEvent', () => {
  it('fingerprints browser events without a client id, and userId events so they can link', () => {
    const anon = prepareEvent(rawEvent({ at }), project(), salts);
    expect(anon.kind === 'ready' && anon.identity.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    const user = prepareEvent(rawEvent({ at, userId: 'u' }), project(), salts);
    expect(user.kind === 'ready' && user.identity.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    const withAnon = prepareEvent(rawEvent({ at, userId: 'u', anonymousId: 'a' }), project(), salts);
    expect(withAnon.kind === 'ready' && withAnon.identity.fingerprint).toBeNull();
  });

  it('never fingerprints what a server sent: its IP and User-Agent are not the visitor’s', () => {
    const server = prepareEvent(rawEvent({ at, userId: 'u', clientKind: 'server' }), project(), salts);
    expect(server.kind === 'ready' && server.identity.fingerprint).toBeNull();
    expect(prepareEvent(rawEvent({ at, clientKind: 'server' }), project(), salts)).toEqual({ kind: 'drop', reason: 'no_visitor_id' });
    expect(prepareEvent(rawEvent({ at, userId: 'u', dnt: true, clientKind: 'server' }), project(), salts)).toEqual({ kind: 'drop', reason: 'no_visitor_id' });
  });

  it('applies the privacy setting and the cookieless switch', () => {
    expect(prepareEvent(rawEvent({ at, anonymousId: 'a', dnt: true }), project({ privacySignals: 'drop' }), salts)).toEqual({ kind: 'drop', reason: 'privacy_signal' });
    const anonymous = prepareEvent(rawEvent({ at, userId: 'u', anonymousId: 'a', dnt: true }), project(), salts);
    expect(anonymous).toMatchObject({ kind: 'ready', anonymousMode: true, identity: { userId: null, anonymousId: null } });
    const ignored = prepareEvent(rawEvent({ at, anonymousId: 'a', dnt: true }), project({ privacySignals: 'ignore' }), salts);
    expect(ignored).toMatchObject({ kind: 'ready', anonymousMode: false, identity: { anonymousId: 'a' } });
    expect(prepareEvent(rawEvent({ at }), project({ cookieless: false }), salts)).toEqual({ kind: 'drop', reason: 'no_visitor_id' });
  });

  it('cannot fingerprint once the receipt day’s salt is gone, and says so', () => {
    const old = new Date(Date.now() - 3 * 86400_000).toISOString();
    expect(prepareEvent(rawEvent({ at: old }), project(), salts)).toMatchObject({ kind: 'unresolvable', reason: 'fingerprint_salt_expired' });
    expect(prepareEvent(rawEvent({ at: old, anonymousId: 'a' }), project(), salts).kind).toBe('ready');
  });

  it('sends events with NUL characters in stored fields to the DLQ', () => {
    expect(prepareEvent(rawEvent({ at, anonymousId: 'a\u0000' }), project(), salts).kind).toBe('dlq');
    expect(prepareEvent(rawEvent({ at, anonymousId: 'a', traits: { name: 'x\u0000' } }), project(), salts).kind).toBe('dlq');
  });
});

import { placeInSession, type SessionState } from './session.handler';

const rules = { timeoutMinutes: 30, splitAtMidnight: false, timeZone: 'UTC' };
const T0 = Date.parse('2026-11-25T10:00:00Z');
const min = 60_000;

function run(events: Array<{ at: number; campaignKey?: string | null; page?: string | null }>, r = rules) {
  let state: SessionState | null = null;
  return events.map((e) => {
    const d = placeInSession(state, { projectId: 'p', visitorIndex: 3, at: e.at, campaignKey: e.campaignKey ?? null, page: e.page ?? null }, r);
    state = d.next;
    return d;
  });
}

describe('placeInSession', () => {
  it('ends a session after 30 minutes without events', () => {
    const [a, b, c] = run([{ at: T0 }, { at: T0 + 30 * min }, { at: T0 + 60 * min + 1 }]);
    expect(a!.isNewSession).toBe(true);
    expect(b).toMatchObject({ isNewSession: false, sessionId: a!.sessionId });
    expect(c!.isNewSession).toBe(true);
    expect(c!.sessionId).not.toBe(a!.sessionId);
  });

  it('honours the project timeout', () => {
    const [a, b] = run([{ at: T0 }, { at: T0 + 11 * min }], { ...rules, timeoutMinutes: 10 });
    expect(b!.sessionId).not.toBe(a!.sessionId);
  });

  it('ends a session after 24 hours even when the visitor never pauses', () => {
    const events = Array.from({ length: 24 * 4 + 2 }, (_, i) => ({ at: T0 + i * 15 * min }));
    const decisions = run(events);
    const ids = new Set(decisions.map((d) => d.sessionId));
    expect(ids.size).toBe(2);
    expect(decisions.findIndex((d, i) => i > 0 && d.isNewSession)).toBe(96);
  });

  it('starts a new session when the campaign changes, not when an untagged event follows', () => {
    const [a, b, c] = run([{ at: T0, campaignKey: 'google|cpc|x' }, { at: T0 + min }, { at: T0 + 2 * min, campaignKey: 'news|email|y' }]);
    expect(b!.sessionId).toBe(a!.sessionId);
    expect(c!.isNewSession).toBe(true);
  });

  it('splits at midnight in the project time zone when asked', () => {
    const tz = { ...rules, splitAtMidnight: true, timeZone: 'America/New_York' };
    const beforeMidnightNY = Date.parse('2026-11-26T04:50:00Z');
    const [a, b] = run([{ at: beforeMidnightNY }, { at: beforeMidnightNY + 20 * min }], tz);
    expect(b!.sessionId).not.toBe(a!.sessionId);
    const [c, d] = run([{ at: beforeMidnightNY }, { at: beforeMidnightNY + 20 * min }]);
    expect(d!.sessionId).toBe(c!.sessionId);
  });

  it('tracks entry page and hands the exit page to the next session', () => {
    const [a, b, c] = run([{ at: T0, page: '/home' }, { at: T0 + min, page: '/pricing' }, { at: T0 + 90 * min, page: '/blog' }]);
    expect(a!.entryPage).toBe('/home');
    expect(b!.entryPage).toBe('/home');
    expect(c).toMatchObject({ entryPage: '/blog', previousExitPage: '/pricing' });
  });

  it('puts a late event into the current session, or a one-off session when far older', () => {
    const [a, late, old] = run([{ at: T0 }, { at: T0 - 5 * min }, { at: T0 - 3 * 60 * min }]);
    expect(late!.sessionId).toBe(a!.sessionId);
    expect(old!.sessionId).not.toBe(a!.sessionId);
    expect(old!.next!.sessionId).toBe(a!.sessionId);
  });

  it('derives the same ids on a second run (replay determinism)', () => {
    const events = [{ at: T0 }, { at: T0 + 45 * min }, { at: T0 + 50 * min }];
    expect(run(events).map((d) => d.sessionId)).toEqual(run(events).map((d) => d.sessionId));
  });
});

import { emptyProjectIdentity } from '../domain/identity.handler';
import { IdentityConflict, retryReason, unlockedVisitors, visitorKey } from './identity.store';

describe('identity store: which races run a batch again', () => {
  it('runs a batch again after a collision with another batch or a deadlock Postgres broke, and nothing else', () => {
    expect(retryReason(new IdentityConflict('2 alias ids of project p were created meanwhile'))).toBe('conflict');
    expect(retryReason(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe('deadlock');
    expect(retryReason(Object.assign(new Error('could not serialize access'), { code: '40001' }))).toBe('serialization');
    // A unique violation would be a bug (every insert that can collide says ON CONFLICT DO NOTHING), not a race.
    expect(retryReason(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBeNull();
    expect(retryReason(new TypeError('x is undefined'))).toBeNull();
    expect(retryReason(null)).toBeNull();
  });

  it('names the visitors the loaded aliases point to that the batch has not locked (moved or created since the lock)', () => {
    const p = emptyProjectIdentity('p', 10);
    p.aliases.set('a:one', 3).set('a:two', 7).set('u:two', 7);
    const q = emptyProjectIdentity('q', 10);
    q.aliases.set('a:one', 3);
    const loaded = { projects: new Map([['p', p], ['q', q]]), ledger: new Map() };
    expect(unlockedVisitors(loaded, new Set([visitorKey('p', 3), visitorKey('p', 7), visitorKey('q', 3)]))).toEqual([]);
    expect(unlockedVisitors(loaded, new Set([visitorKey('p', 3), visitorKey('q', 7)]))).toEqual([
      { projectId: 'p', index: 7 },
      { projectId: 'q', index: 3 },
    ]);
  });
});

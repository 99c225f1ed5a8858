import { enrichBatch, isClientDuplicate, ledgerKey, type LedgerEntry } from './enrich-batch.handler';
import { emptyProjectIdentity } from './identity.handler';
import { prepareEvent, projectOrDefaults } from './prepare.handler';
import { rawEvent } from '../../test/harness';

const at = new Date().toISOString();
const project = projectOrDefaults(undefined, 'p1');
const prepared = (messageId: string, anonymousId = 'a') => prepareEvent(rawEvent({ at, messageId, anonymousId }), project, new Map());
const state = () => new Map([['p1', emptyProjectIdentity('p1', 0)]]);
const at0 = (offset: string, partition = 0) => ({ partition, offset });

describe('enrichBatch: redeliveries against client duplicates', () => {
  it('drops a messageId seen earlier in the same batch at another offset', () => {
    const ledger = new Map<string, LedgerEntry>();
    const result = enrichBatch([prepared('m1'), prepared('m2', 'b'), prepared('m1')], [at0('10'), at0('11'), at0('12')], state(), ledger);
    expect(result.decisions.map((d) => (d.kind === 'drop' ? d.reason : d.kind))).toEqual(['enriched', 'enriched', 'duplicate messageId']);
    expect(result.newLedger.map((e) => [e.messageId, e.sourcePartition, e.sourceOffset])).toEqual([
      ['m1', 0, '10'],
      ['m2', 0, '11'],
    ]);
  });

  it('re-produces a ledger hit from the same offset verbatim and drops one from another offset', () => {
    const ledger = new Map<string, LedgerEntry>();
    const first = enrichBatch([prepared('m1')], [at0('10', 3)], state(), ledger);
    const entry = first.newLedger[0]!;
    const replay = enrichBatch([prepared('m1')], [at0('10', 3)], state(), new Map([[ledgerKey('p1', 'm1'), entry]]));
    expect(replay.decisions[0]).toMatchObject({ kind: 'enriched', replayed: true, entry });
    expect(replay.newLedger).toEqual([]);
    for (const other of [at0('11', 3), at0('10', 2)]) {
      const dup = enrichBatch([prepared('m1')], [other], state(), new Map([[ledgerKey('p1', 'm1'), entry]]));
      expect(dup.decisions[0]).toEqual({ kind: 'drop', reason: 'duplicate messageId' });
    }
  });

  it('treats ledger rows without a source (written before the columns) as redeliveries', () => {
    const ledger = new Map<string, LedgerEntry>();
    const entry = { ...enrichBatch([prepared('m1')], [at0('10')], state(), ledger).newLedger[0]!, sourcePartition: null, sourceOffset: null };
    expect(isClientDuplicate(entry, at0('99'))).toBe(false);
    expect(isClientDuplicate({ ...entry, sourcePartition: 0, sourceOffset: '9007199254740993' }, at0('9007199254740993'))).toBe(false);
    expect(isClientDuplicate({ ...entry, sourcePartition: 0, sourceOffset: '9007199254740993' }, at0('9007199254740992'))).toBe(true);
  });
});

import fc from 'fast-check';
import { batchCopies, seenDay, seenDays, seenExpiry, seenId, SEEN_ID_BYTES } from './seen-messages.handler';

describe('seen messages (exact totals per messageId)', () => {
  it('an id is 8 bytes of the messageId alone: the same for a copy, different for another message', () => {
    expect(seenId('m-1')).toHaveLength(SEEN_ID_BYTES);
    expect(seenId('m-1').equals(seenId('m-1'))).toBe(true);
    expect(seenId('m-1').equals(seenId('m-2'))).toBe(false);
    // SHA-256 of "abc" begins ba7816bf8f01cfea.
    expect(seenId('abc').toString('hex')).toBe('ba7816bf8f01cfea');
  });

  it('batchCopies lists every repeat of an id after its first, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (messages) => {
        const copies = batchCopies(messages.map((m) => seenId(`m-${m}`)));
        const expectedCopies = messages.flatMap((m, i) => (messages.indexOf(m) < i ? [i] : []));
        expect(copies).toEqual(expectedCopies);
      }),
    );
  });

  it('seenDays groups ids by the UTC day of their event, then by field: each id once, rebuilt exactly from what it sends', () => {
    const at = (d: number, h: number) => Date.UTC(2026, 11, d, h);
    fc.assert(
      fc.property(fc.array(fc.record({ message: fc.integer({ min: 0, max: 100_000 }), day: fc.integer({ min: 1, max: 3 }), hour: fc.integer({ min: 0, max: 23 }) }), { maxLength: 80 }), (list) => {
        const events = list.map((e) => ({ id: seenId(`m-${e.message}`), utcMs: at(e.day, e.hour) }));
        const days = seenDays(events);
        expect(days.map((d) => d.day).sort()).toEqual([...new Set(list.map((e) => `2026-12-0${e.day}`))].sort());
        const listed: number[] = [];
        for (const day of days) {
          expect(day.counts.reduce((a, b) => a + b, 0)).toBe(day.events.length);
          expect(day.rests.length).toBe(6 * day.events.length);
          let n = 0;
          day.counts.forEach((count, k) => {
            const field = day.fields.subarray(2 * k, 2 * k + 2);
            for (let c = 0; c < count; c++, n++) {
              const event = day.events[n]!;
              expect(Buffer.concat([field, day.rests.subarray(6 * n, 6 * n + 6)]).equals(events[event]!.id)).toBe(true);
              expect(seenDay(events[event]!.utcMs)).toBe(day.day);
            }
          });
          // A field is listed once per day.
          expect(new Set(day.counts.map((_, k) => day.fields.subarray(2 * k, 2 * k + 2).toString('hex'))).size).toBe(day.counts.length);
          listed.push(...day.events);
        }
        expect(listed.sort((a, b) => a - b)).toEqual(events.map((_, i) => i));
      }),
    );
    expect(seenDay(at(3, 12))).toBe('2026-12-03');
  });

  it('a day is kept the window after its end, or after now for a late event of an old day', () => {
    const dayEnd = Date.UTC(2026, 11, 2) / 1000;
    expect(seenExpiry('2026-12-01', Date.UTC(2026, 11, 1, 12), 2)).toBe(dayEnd + 2 * 86_400);
    const late = Date.UTC(2026, 11, 20, 6);
    expect(seenExpiry('2026-12-01', late, 2)).toBe(late / 1000 + 2 * 86_400);
  });
});

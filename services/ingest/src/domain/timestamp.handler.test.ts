import { eventTimes, parseClientTime, timeWindowProblem } from './timestamp.handler';

describe('parseClientTime', () => {
  it.each([
    ['2021-01-01T09:15:27.243Z', '2021-01-01T09:15:27.243Z'],
    ['2021-01-01 09:15:27.243860', '2021-01-01T09:15:27.243Z'],
    ['2021-01-01T10:15:27+01:00', '2021-01-01T09:15:27.000Z'],
    ['2021-01-01', '2021-01-01T00:00:00.000Z'],
    [1609492527243, '2021-01-01T09:15:27.243Z'],
    ['1609492527243', '2021-01-01T09:15:27.243Z'],
    [1224567997, '2008-10-21T05:46:37.000Z'],
  ])('reads %p', (input, iso) => {
    expect(parseClientTime(input)?.toISOString()).toBe(iso);
  });

  it.each(['yesterday', '', '2021-13-45T99:00:00Z', -5, Number.NaN, {}, true])('refuses %p', (input) => {
    expect(parseClientTime(input)).toBeNull();
  });
});

describe('clock-skew correction and window', () => {
  const received = new Date('2026-01-10T12:00:00Z');
  it('corrects by the sending delay when sentAt is given', () => {
    const times = eventTimes(received, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:05Z'));
    expect(times.timestamp.toISOString()).toBe('2026-01-10T11:59:55.000Z');
  });
  it('keeps the client time without sentAt and uses receivedAt without either', () => {
    expect(eventTimes(received, new Date('2026-01-09T00:00:00Z'), null).timestamp.toISOString()).toBe('2026-01-09T00:00:00.000Z');
    expect(eventTimes(received, null, null).timestamp).toEqual(received);
  });
  it('refuses beyond 7 days ahead and past the project age', () => {
    expect(timeWindowProblem(new Date('2026-01-18T12:00:00Z'), received, 7, 30)).toMatch(/future/);
    expect(timeWindowProblem(new Date('2025-12-01T12:00:00Z'), received, 7, 30)).toMatch(/30 days/);
    expect(timeWindowProblem(new Date('2026-01-01T12:00:00Z'), received, 7, 30)).toBeNull();
  });
});

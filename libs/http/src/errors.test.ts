import { z } from 'zod';
import { errorBody, HttpError, validate } from './errors';

describe('validate', () => {
  const schema = z.object({ from: z.iso.datetime(), steps: z.array(z.object({ event: z.string() })).min(2) });

  it('returns the parsed value', () => {
    expect(validate(schema, { from: '2026-01-01T00:00:00Z', steps: [{ event: 'a' }, { event: 'b' }] }).steps).toHaveLength(2);
  });

  it('throws a 400 that names each bad field with its reason', () => {
    let caught: unknown;
    try {
      validate(schema, { from: 'yesterday', steps: [{ event: 1 }] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HttpError);
    const err = caught as HttpError;
    expect(err.status).toBe(400);
    const paths = err.fields.map((f) => f.path).sort();
    expect(paths).toEqual(['from', 'steps', 'steps.0.event']);
    const body = errorBody(err);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.field).toBeDefined();
    expect(body.error.fields?.every((f) => f.reason.length > 0)).toBe(true);
  });
});

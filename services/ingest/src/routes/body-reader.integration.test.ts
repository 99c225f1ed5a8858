import express from 'express';
import { createGunzip, gzipSync } from 'node:zlib';
import type { Transform } from 'node:stream';
import { errorHandler, listen, type RunningServer } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { waitFor } from '@sightline/testing';
import { bodyReader } from './body-reader';

/** Issue #16, finding 8: once the inflated size passes the limit, the decoder stops inflating. */
describe('body reader over real HTTP', () => {
  const limit = 100_000;
  let server: RunningServer;
  const decoders: Array<{ stream: Transform; inflated: number }> = [];

  beforeAll(async () => {
    const app = express();
    const counting = () => {
      const entry = { stream: createGunzip(), inflated: 0 };
      entry.stream.on('data', (chunk: Buffer) => (entry.inflated += chunk.length));
      decoders.push(entry);
      return entry.stream;
    };
    app.post('/in', bodyReader(limit, (encoding) => (encoding === 'gzip' ? counting : undefined)), (req, res) => res.json({ size: (req.body as string).length }));
    app.use(errorHandler(createLogger({ service: 'body-reader-test', level: 'silent' })));
    server = await listen(app, 0);
  });
  afterAll(() => server.close(1000));

  it('finding 8: a gzip bomb gets 413 and its decoder is destroyed, having inflated little more than the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(90 * 1024 * 1024)); // 90 MB of zeros, ~90 KB compressed: under the limit as sent
    expect(bomb.length).toBeLessThan(limit);
    const res = await fetch(`http://127.0.0.1:${server.port}/in`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(413);
    const decoder = decoders.at(-1)!;
    await waitFor(() => decoder.stream.destroyed, { timeoutMs: 5000, description: 'the decoder destroyed' });
    expect(decoder.inflated).toBeLessThan(limit + 4 * 1024 * 1024);
  });

  it('a small gzip body is read in full', async () => {
    const body = JSON.stringify({ a: 'x'.repeat(50_000) });
    const res = await fetch(`http://127.0.0.1:${server.port}/in`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(body) });
    expect(await res.json()).toEqual({ size: body.length });
  });
});

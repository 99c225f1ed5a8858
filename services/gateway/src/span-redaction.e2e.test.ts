import { createServer, type Server } from 'node:http';
import { createTestDatabase, startService, waitFor, type ServiceProcess, type TestDatabase } from '@sightline/testing';
import { migrationsDir } from './migrations-dir';

/** Issue #16, finding 8: a read key passed as `?key=` must not be recorded in the HTTP span. */
describe('HTTP spans of the gateway process, exported over OTLP to a collector the test runs', () => {
  let collector: Server;
  let received = '';
  let database: TestDatabase;
  let gateway: ServiceProcess;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as { port: number };
    database = await createTestDatabase('gw_spans', migrationsDir);
    gateway = await startService('gateway', { DATABASE_URL: database.url, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_TRACES_EXPORTER: 'otlp', LOG_LEVEL: 'warn' });
  }, 90_000);
  afterAll(async () => {
    await gateway?.stop();
    await database?.drop();
    collector?.close();
  });

  it('finding 8: a read key passed as ?key= is redacted in HTTP spans', async () => {
    const secret = 'rk_spansecret0123456789abcdefghijklmnopqrstuvw';
    const res = await fetch(`${gateway.url}/api/event/?key=${secret}&name=probe-span`);
    expect(res.status).toBe(401);
    await waitFor(() => received.includes('probe-span'), { timeoutMs: 30_000, description: 'the request span exported' });
    expect(received).toContain('/api/event/');
    expect(received).not.toContain(secret);
    expect(received).toContain('REDACTED');
  }, 60_000);
});

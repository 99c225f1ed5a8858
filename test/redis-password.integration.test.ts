import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@sightline/config';
import { freePort, waitFor } from '@sightline/testing';
import { config } from '../services/bitmap-aggregator/src/config';
import { createRedisClient, type RedisClient } from '../services/bitmap-aggregator/src/stores/redis-client.store';

/**
 * Issue #16, finding 1: docker-compose gives Redis a password, so the service that uses Redis
 * must take a REDIS_URL with one (through libs/config). A real redis-server with requirepass.
 */
describe('a REDIS_URL with a password', () => {
  let server: ChildProcess;
  let port: number;
  const password = 'p@ss:w/rd with spaces';
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no', '--dir', mkdtempSync(join(tmpdir(), 'redis-pw-'))], { stdio: 'ignore' });
    const probe = createRedisClient({ REDIS_URL: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}` });
    clients.push(probe);
    await waitFor(async () => (await probe.ping().catch(() => null)) === 'PONG', { timeoutMs: 10_000, description: 'redis-server with a password up' });
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    server.kill('SIGTERM');
  });

  it('finding 1: the aggregator config accepts it and its Redis client authenticates; without it Redis refuses', async () => {
    const env = parseConfig(config.schema, { REDIS_URL: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}/0` });
    const client = createRedisClient(env);
    clients.push(client);
    expect(await client.set('finding-1', 'ok')).toBe('OK');
    expect(await client.get('finding-1')).toBe('ok');
    const anonymous = createRedisClient({ REDIS_URL: `redis://127.0.0.1:${port}` });
    anonymous.on('error', () => undefined); // the refusal is asserted below
    clients.push(anonymous);
    await expect(anonymous.get('finding-1')).rejects.toThrow(/NOAUTH/);
  });
});

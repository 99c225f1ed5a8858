/**
 * Test collector for the browser tests: serves the built tracker and records every POST to
 * /collect, answering like ingest does (200 `{success: true}`, or 503 + Retry-After when
 * told to), and can be taken down and brought back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@sightline/testing';

export interface Received {
  contentType: string;
  status: number;
  body: { writeKey: string; sentAt: string; batch: Message[] };
  at: number;
}

export interface Message {
  type: string;
  event?: string;
  name?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  userId?: string;
  anonymousId?: string;
  messageId: string;
  timestamp: string;
  context: {
    page: { url: string; path: string; referrer: string; title: string; search: string };
    campaign?: Record<string, string>;
    library: { name: string; version: string };
    screen: { width: number; height: number };
    locale: string;
  };
}

export const trackerBundle = join(__dirname, '..', 'dist', 'tracker.js');

export interface Collector {
  url: string;
  received: Received[];
  /** Messages the collector stored (answered 200), deduplicated by messageId as ingest's consumers do. */
  stored(): Message[];
  /** How often each stored messageId arrived in a 200-answered request. */
  storedCounts(): Map<string, number>;
  /** The next `count` POSTs are answered 503 with this Retry-After (seconds). */
  fail(count: number, retryAfterSeconds?: number): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const port = await freePort();
  const received: Received[] = [];
  let failures = 0;
  let retryAfter = 1;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' }).end();
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/tracker.js')) {
      res.writeHead(200, { 'Content-Type': 'application/javascript' }).end(readFileSync(trackerBundle));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/collect') {
      res.writeHead(404).end();
      return;
    }
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const status = failures > 0 ? 503 : 200;
      if (failures > 0) failures--;
      received.push({ contentType: req.headers['content-type'] ?? '', status, body: JSON.parse(raw), at: Date.now() });
      if (status === 503) res.writeHead(503, { 'Retry-After': String(retryAfter), 'Content-Type': 'application/json' }).end('{"error":{"code":"unavailable","message":"try later"}}');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"success":true}');
    });
  };

  let server: Server | undefined;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      server = createServer(handle);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
      server = undefined;
    });
  await up();

  const ok = () => received.filter((r) => r.status === 200).flatMap((r) => r.body.batch);
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stored() {
      const seen = new Map<string, Message>();
      for (const m of ok()) if (!seen.has(m.messageId)) seen.set(m.messageId, m);
      return [...seen.values()];
    },
    storedCounts() {
      const counts = new Map<string, number>();
      for (const m of ok()) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
      return counts;
    },
    fail(count, retryAfterSeconds = 1) {
      failures = count;
      retryAfter = retryAfterSeconds;
    },
    down,
    up,
    close: down,
  };
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testInfra, waitFor } from './env';

/** The repository root, found upwards from this file (works from source, jest and bundles). */
export const repoRoot = findRepoRoot(__dirname);

function findRepoRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sightline') return dir;
  }
  throw new Error(`no sightline repository above ${start}`);
}

export interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  /** The process started (with HTTP_WORKERS > 1, the cluster primary). */
  pid: number;
  logs(): string;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash with no chance to commit or flush. */
  kill9(): Promise<void>;
}

/**
 * Service processes started and not yet exited. Kept on the global object so the jest
 * environment (test/setup/environment.js) can SIGKILL the ones a test file left running.
 */
const running: Set<ServiceProcess> = ((globalThis as { __sightlineServices?: Set<ServiceProcess> }).__sightlineServices ??= new Set());

/**
 * Every service process the test file started, running or not, with its output so far and how
 * it ended. The jest environment writes them to .sightline/logs/ when a test of the file fails
 * (test/setup/environment.js), so a service that died or froze can be read about afterwards.
 */
export interface StartedService {
  name: string;
  pid: number;
  port: number;
  startedAt: string;
  output(): string;
  /** How it exited (null while running). */
  exit(): { code: number | null; signal: string | null; at: string } | null;
}
const started: StartedService[] = ((globalThis as { __sightlineStarted?: StartedService[] }).__sightlineStarted ??= []);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a built service (`services/<name>/dist/main.js`) as a real process and waits until
 * its /readyz answers 200.
 */
export async function startService(name: string, env: Record<string, string>, options: { readyTimeoutMs?: number; /** Flags for node itself, e.g. `--cpu-prof`. */ nodeArgs?: string[] } = {}): Promise<ServiceProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const entry = join(repoRoot, 'services', name, 'dist', 'main.js');
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', ...(options.nodeArgs ?? []), entry], {
    // The admin's Kafka credentials unless the test gives the service its own (KAFKA_SASL_*) or
    // other brokers (a cluster of its own, whose credentials the test gives).
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', ...(!env.KAFKA_BROKERS || env.KAFKA_BROKERS === testInfra.kafkaBrokers.join(',') ? testInfra.kafkaSaslEnv : {}), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exit: ReturnType<StartedService['exit']> = null;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: new Date().toISOString() };
      resolve(code);
    }),
  );
  if (child.pid) started.push({ name, pid: child.pid, port, startedAt: new Date().toISOString(), output: () => output, exit: () => exit });
  let dead = false;
  let handle: ServiceProcess | undefined;
  void exited.then(() => {
    dead = true;
    if (handle) running.delete(handle);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (dead) throw new Error(`${name} exited during start:\n${output.slice(-4000)}`);
        const res = await fetch(`${url}/readyz`).catch(() => null);
        return res?.status === 200;
      },
      { timeoutMs: options.readyTimeoutMs ?? 60_000, description: `${name} ready`, intervalMs: 50 },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- ${name} output ---\n${output.slice(-4000)}`);
  }
  handle = {
    name,
    port,
    url,
    pid: child.pid!,
    logs: () => output,
    async stop() {
      if (dead) return exited;
      child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (dead) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  if (!dead) running.add(handle);
  return handle;
}

/** The cluster workers of a service started with more than one worker (children of its primary). */
export function workerPids(primary: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

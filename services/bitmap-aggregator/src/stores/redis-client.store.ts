import Redis, { Cluster } from 'ioredis';
import { ADMIT, APPLY, ERASE, MERGE, QUERY, RESOLVE } from './lua-scripts';

export type RedisClient = Redis | Cluster;
type ScriptArg = string | number | Buffer;

export interface BitmapScripts {
  resolve(keys: string[], args: ScriptArg[]): Promise<[string, number[], number[], string[]]>;
  admit(keys: string[], args: ScriptArg[]): Promise<number[]>;
  /** 1 written, 0 conflict, else the positions of the ids already seen (nothing written). */
  apply(keys: string[], args: ScriptArg[]): Promise<number | number[]>;
  merge(keys: string[], args: ScriptArg[]): Promise<number>;
  erase(keys: string[], args: ScriptArg[]): Promise<number>;
  query(keys: string[], args: ScriptArg[]): Promise<Array<number | Buffer>>;
}

export interface RedisOptions {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string[] | undefined;
}

/**
 * A single Redis, or a Cluster when seed nodes are configured. Auto-pipelining batches the
 * concurrent per-project scripts into one round-trip; ioredis refuses it across slots in
 * cluster mode, where each project's script goes to its own shard anyway.
 */
export function createRedisClient(options: RedisOptions): RedisClient {
  if (options.REDIS_CLUSTER_NODES?.length) {
    const nodes = options.REDIS_CLUSTER_NODES.map((node) => {
      const [host, port] = node.split(':');
      return { host: host!, port: Number(port ?? 6379) };
    });
    return new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 3 } });
  }
  return new Redis(options.REDIS_URL, { enableAutoPipelining: true, maxRetriesPerRequest: 3 });
}

const SCRIPTS = { slResolve: RESOLVE, slAdmit: ADMIT, slApply: APPLY, slMerge: MERGE, slErase: ERASE, slQuery: QUERY };

/** Registers the Lua scripts (EVALSHA with EVAL fallback, handled by ioredis). */
export function bitmapScripts(client: RedisClient): BitmapScripts {
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { lua });
  const commands = client as unknown as Record<string, (numKeys: number, keys: string[], args: ScriptArg[]) => Promise<unknown>>;
  const run =
    <T>(name: string) =>
    (keys: string[], args: ScriptArg[]) =>
      commands[name]!.call(client, keys.length, keys, args) as Promise<T>;
  return {
    resolve: run('slResolve'),
    admit: run('slAdmit'),
    apply: run('slApply'),
    merge: run('slMerge'),
    erase: run('slErase'),
    query: run('slQueryBuffer'),
  };
}

import { z } from 'zod';
import { ConfigError, consumerPiece, defineConfig, env, httpPiece, kafkaPiece, parseConfig, postgresPiece } from './index';

describe('parseConfig', () => {
  const { schema, variables } = defineConfig({ ...kafkaPiece, ...postgresPiece, ...httpPiece(8081), FLAG: env.bool.default(false) });

  it('applies defaults and coerces types', () => {
    const config = parseConfig(schema, { DATABASE_URL: 'postgresql://u:p@127.0.0.1:5433/db', PORT: '9000', FLAG: 'yes' });
    expect(config.PORT).toBe(9000);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.TOPIC_NAMESPACE).toBe('sightline.');
    expect(config.FLAG).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every invalid variable at once', () => {
    try {
      parseConfig(schema, { PORT: 'not-a-port', KAFKA_BROKERS: 'a:1,b:2' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).issues.map((i) => i.variable).sort();
      expect(names).toEqual(['DATABASE_URL', 'PORT']);
    }
  });

  it('lists the variables it reads', () => {
    expect(variables).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'DATABASE_URL', 'PORT', 'HOST', 'FLAG']));
  });

  it('splits comma lists', () => {
    const config = parseConfig(z.object({ LIST: env.csv }), { LIST: ' a, b ,,c' });
    expect(config.LIST).toEqual(['a', 'b', 'c']);
  });

  it('reads a count or auto (worker processes, partitions in flight)', () => {
    const schema = z.object({ WORKERS: env.autoCount.default('auto') });
    expect(parseConfig(schema, {}).WORKERS).toBe('auto');
    expect(parseConfig(schema, { WORKERS: '3' }).WORKERS).toBe(3);
    expect(() => parseConfig(schema, { WORKERS: '0' })).toThrow(ConfigError);
    expect(() => parseConfig(schema, { WORKERS: 'many' })).toThrow(ConfigError);
  });

  it('refuses the old concurrency names, naming what replaced them', () => {
    const schema = z.object(consumerPiece);
    expect(parseConfig(schema, {}).PARTITIONS_CONSUMED_CONCURRENTLY).toBe('auto');
    expect(parseConfig(schema, { PARTITIONS_CONSUMED_CONCURRENTLY: '6' }).PARTITIONS_CONSUMED_CONCURRENTLY).toBe(6);
    const issues = (source: Record<string, string>) => {
      try {
        parseConfig(schema, source);
      } catch (err) {
        return (err as ConfigError).issues;
      }
      throw new Error('expected a ConfigError');
    };
    expect(issues({ CONSUMER_CONCURRENCY: '16' })).toEqual([{ variable: 'CONSUMER_CONCURRENCY', reason: expect.stringMatching(/PARTITIONS_CONSUMED_CONCURRENTLY.*PROJECTS_WRITTEN_CONCURRENTLY/) }]);
    expect(issues({ PARTITIONS_CONCURRENTLY: '4' })).toEqual([{ variable: 'PARTITIONS_CONCURRENTLY', reason: 'renamed: PARTITIONS_CONSUMED_CONCURRENTLY' }]);
  });
});

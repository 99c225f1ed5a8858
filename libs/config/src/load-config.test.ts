import { z } from 'zod';
import { ConfigError, defineConfig, env, httpPiece, kafkaPiece, parseConfig, postgresPiece } from './index';

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
});

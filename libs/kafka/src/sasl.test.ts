import { kafkaSaslFrom, KafkaCredentialsError, toKafkajsSasl } from './sasl';

describe('kafkaSaslFrom', () => {
  it('is none without a username or password (a PLAINTEXT broker)', () => {
    expect(kafkaSaslFrom({})).toBeUndefined();
    expect(kafkaSaslFrom({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: '', KAFKA_SASL_PASSWORD: '' })).toBeUndefined();
  });

  it('takes the mechanism in any case, SCRAM-SHA-512 by default', () => {
    expect(kafkaSaslFrom({ KAFKA_SASL_USERNAME: 'query', KAFKA_SASL_PASSWORD: 'pw' })).toEqual({ mechanism: 'scram-sha-512', username: 'query', password: 'pw' });
    expect(kafkaSaslFrom({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'q', KAFKA_SASL_PASSWORD: 'pw' })?.mechanism).toBe('scram-sha-256');
    expect(toKafkajsSasl({ mechanism: 'plain', username: 'u', password: 'p' })).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('names the variable that is missing or wrong', () => {
    const error = (vars: Record<string, string>) => {
      try {
        kafkaSaslFrom(vars);
      } catch (err) {
        expect(err).toBeInstanceOf(KafkaCredentialsError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(error({ KAFKA_SASL_USERNAME: 'query' })).toBe('KAFKA_SASL_PASSWORD: required when KAFKA_SASL_USERNAME is set');
    expect(error({ KAFKA_SASL_PASSWORD: 'pw' })).toBe('KAFKA_SASL_USERNAME: required when KAFKA_SASL_PASSWORD is set');
    expect(error({ KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SASL_USERNAME: 'q', KAFKA_SASL_PASSWORD: 'pw' })).toBe('KAFKA_SASL_MECHANISM: one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, got "GSSAPI"');
  });
});

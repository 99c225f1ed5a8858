import pino, { type Logger } from 'pino';
import { currentTraceIds } from './tracing';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Pretty output for people; JSON everywhere else. */
  pretty?: boolean;
}

/** pino logger that stamps every line with the active trace and span ids. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    name: options.service,
    level: options.level ?? 'info',
    base: { service: options.service },
    mixin: () => currentTraceIds(),
    redact: { paths: ['ip', '*.ip', 'request.ip', 'password', '*.password', 'authorization', '*.authorization'], remove: true },
    transport: options.pretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } : undefined,
  });
}

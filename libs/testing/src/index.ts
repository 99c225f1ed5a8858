export * from './env';
export * from './postgres';
export * from './kafka';
export * from './kafka-credentials';
export * from './process';
export * from './redis';
export * from './bench';

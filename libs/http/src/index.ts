export * from './errors';
export * from './health';
export * from './server';
export * from './lifecycle';
export * from './workers';
export * from './request-spans';
export * from './client-ip';

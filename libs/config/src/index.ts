export * from './pieces';
export * from './load-config';

export * from './consumer';
export * from './merges';
export * from './versions';

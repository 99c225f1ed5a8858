export * from './topics';
export * from './common';
export * from './events-raw';
export * from './events-enriched';
export * from './projects';
export * from './erasures';
export * from './events-dlq';

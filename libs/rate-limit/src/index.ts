export * from './token-buckets';
export * from './leased-rate-limiter';

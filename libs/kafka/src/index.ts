export * from './client';
export * from './producer';
export * from './results';
export * from './by-key';
export * from './batch-consumer';
export * from './dlq-scrub';
export type { BatchSender, TransactionSender } from './transactional';
export * from './topic-table';
export * from './projection-input';

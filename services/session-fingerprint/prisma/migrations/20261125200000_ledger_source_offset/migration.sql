-- Where each ledger row's raw record was read from (events.raw partition and offset). A later
-- copy of the same messageId at another offset is a client duplicate (a retry whose first
-- attempt had landed, a resent beacon) and is dropped; the same offset read again is a
-- redelivery or replay and is re-produced. Null on rows written before this column existed:
-- those are treated as redeliveries, as before.
ALTER TABLE "event_ledger" ADD COLUMN "source_partition" INTEGER, ADD COLUMN "source_offset" BIGINT;

-- Issue #20: a projection of closed UTC days for funnels. One row per (project, event name, day)
-- holds that day's events of that name as one bytea of fixed-width records, int32 visitor_index
-- (raw: merges are applied when read) | int64 µs since 2000-01-01 (timestamptz_send), in
-- (time, messageId) order: a 90-day funnel reads a few hundred rows instead of one per event.
-- Filled by a funnel read; a late event of that day (the consumer's insert transaction), an
-- erasure (every block of the project) and a dropped partition delete blocks (docs/funnels.md).
CREATE TABLE "funnel_day_blocks" (
    "project_id" TEXT    NOT NULL,
    "name"       TEXT    NOT NULL,
    "day"        DATE    NOT NULL,
    "records"    BYTEA   NOT NULL,
    CONSTRAINT "funnel_day_blocks_pkey" PRIMARY KEY ("project_id", "name", "day")
);

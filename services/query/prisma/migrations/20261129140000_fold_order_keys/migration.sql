-- A batch's fold of sessions and visitors is merged into the stored row by the (time, messageId)
-- of the event each value came from, so that batches arriving out of order (a mobile SDK
-- flushing old events after newer ones were stored) leave the same row as one batch in order:
-- the first event's visitor/source/device, the first non-null page as entry, the last as exit,
-- the last event's traits, the last non-null userId and anonymousId.
ALTER TABLE "sessions"
    ADD COLUMN "first_message_id" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "entry_at"         TIMESTAMPTZ,
    ADD COLUMN "entry_message_id" TEXT,
    ADD COLUMN "exit_at"          TIMESTAMPTZ,
    ADD COLUMN "exit_message_id"  TEXT;
ALTER TABLE "visitors"
    ADD COLUMN "traits_message_id"       TEXT NOT NULL DEFAULT '',
    ADD COLUMN "user_id_at"              TIMESTAMPTZ,
    ADD COLUMN "user_id_message_id"      TEXT,
    ADD COLUMN "anonymous_id_at"         TIMESTAMPTZ,
    ADD COLUMN "anonymous_id_message_id" TEXT;

-- Rows stored before: their values count as coming from the session's first/last event and the
-- visitor's last event ('' sorts before any messageId at the same time).
UPDATE "sessions" SET "entry_at" = "started_at", "entry_message_id" = '' WHERE "entry_page" IS NOT NULL;
UPDATE "sessions" SET "exit_at" = "ended_at", "exit_message_id" = '' WHERE "exit_page" IS NOT NULL;
UPDATE "visitors" SET "user_id_at" = "traits_at", "user_id_message_id" = '' WHERE "user_id" IS NOT NULL;
UPDATE "visitors" SET "anonymous_id_at" = "traits_at", "anonymous_id_message_id" = '' WHERE "anonymous_id" IS NOT NULL;

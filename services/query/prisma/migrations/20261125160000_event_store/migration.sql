-- Event store. `events` is range-partitioned by event time (monthly partitions, created ahead
-- by the service, see partition.store.ts). Postgres requires the partition key in every unique
-- index, so idempotency is on (project_id, message_id, timestamp): the session-fingerprint
-- service derives an event's timestamp deterministically from its raw message, so a replayed or
-- duplicated message always carries the same timestamp and lands on the same key.
CREATE TABLE "events" (
    "project_id"      TEXT        NOT NULL,
    "message_id"      TEXT        NOT NULL,
    "timestamp"       TIMESTAMPTZ NOT NULL,
    "received_at"     TIMESTAMPTZ NOT NULL,
    "type"            TEXT        NOT NULL,
    "name"            TEXT        NOT NULL,
    "category"        TEXT,
    "visitor_index"   INTEGER     NOT NULL,
    "visitor_id"      TEXT        NOT NULL,
    "user_id"         TEXT,
    "anonymous_id"    TEXT,
    "session_id"      TEXT        NOT NULL,
    "properties"      JSONB       NOT NULL,
    "context"         JSONB       NOT NULL,
    "page_path"       TEXT,
    "referrer_domain" TEXT,
    "source"          TEXT,
    "medium"          TEXT,
    "campaign"        TEXT,
    "country"         TEXT,
    "browser"         TEXT,
    "os"              TEXT,
    "device_type"     TEXT        NOT NULL,
    "is_bot"          BOOLEAN     NOT NULL,
    CONSTRAINT "events_pkey" PRIMARY KEY ("project_id", "message_id", "timestamp")
) PARTITION BY RANGE ("timestamp");

-- One index per filter of the event log, each ending in time so that a filtered page or count
-- is an index range scan inside the partitions of the range. (message_id breaks time ties for
-- the keyset cursor.)
CREATE INDEX "events_project_id_timestamp_message_id_idx" ON "events" ("project_id", "timestamp", "message_id");
CREATE INDEX "events_project_id_name_timestamp_message_id_idx" ON "events" ("project_id", "name", "timestamp", "message_id");
CREATE INDEX "events_project_id_category_timestamp_message_id_idx" ON "events" ("project_id", "category", "timestamp", "message_id");
CREATE INDEX "events_project_id_session_id_timestamp_message_id_idx" ON "events" ("project_id", "session_id", "timestamp", "message_id");
CREATE INDEX "events_project_id_visitor_index_timestamp_message_id_idx" ON "events" ("project_id", "visitor_index", "timestamp", "message_id");

-- Sessions, maintained from the events a batch really inserted (so a replay adds nothing).
CREATE TABLE "sessions" (
    "project_id"      TEXT        NOT NULL,
    "session_id"      TEXT        NOT NULL,
    "visitor_index"   INTEGER     NOT NULL,
    "visitor_id"      TEXT        NOT NULL,
    "started_at"      TIMESTAMPTZ NOT NULL,
    "ended_at"        TIMESTAMPTZ NOT NULL,
    "entry_page"      TEXT,
    "exit_page"       TEXT,
    "page_count"      INTEGER     NOT NULL,
    "event_count"     INTEGER     NOT NULL,
    "referrer_domain" TEXT,
    "source"          TEXT,
    "medium"          TEXT,
    "campaign"        TEXT,
    "device_type"     TEXT,
    "browser"         TEXT,
    "os"              TEXT,
    "country"         TEXT,
    CONSTRAINT "sessions_pkey" PRIMARY KEY ("project_id", "session_id")
);
CREATE INDEX "sessions_project_id_started_at_session_id_idx" ON "sessions" ("project_id", "started_at", "session_id");
CREATE INDEX "sessions_project_id_visitor_index_started_at_idx" ON "sessions" ("project_id", "visitor_index", "started_at");

-- One row per visitor index: ids, traits of the latest event, first/last seen.
CREATE TABLE "visitors" (
    "project_id"    TEXT        NOT NULL,
    "visitor_index" INTEGER     NOT NULL,
    "visitor_id"    TEXT        NOT NULL,
    "user_id"       TEXT,
    "anonymous_id"  TEXT,
    "traits"        JSONB       NOT NULL,
    "traits_at"     TIMESTAMPTZ NOT NULL,
    "first_seen"    TIMESTAMPTZ NOT NULL,
    "last_seen"     TIMESTAMPTZ NOT NULL,
    "event_count"   INTEGER     NOT NULL,
    CONSTRAINT "visitors_pkey" PRIMARY KEY ("project_id", "visitor_index")
);
CREATE INDEX "visitors_project_id_visitor_id_idx" ON "visitors" ("project_id", "visitor_id");
CREATE INDEX "visitors_project_id_user_id_idx" ON "visitors" ("project_id", "user_id");

-- Merges (identify/alias): every merged visitor index points at its person's current index
-- (path-compressed at write time, so a query joins once).
CREATE TABLE "visitor_aliases" (
    "project_id"      TEXT        NOT NULL,
    "visitor_index"   INTEGER     NOT NULL,
    "canonical_index" INTEGER     NOT NULL,
    "merged_at"       TIMESTAMPTZ NOT NULL,
    CONSTRAINT "visitor_aliases_pkey" PRIMARY KEY ("project_id", "visitor_index")
);
CREATE INDEX "visitor_aliases_project_id_canonical_index_idx" ON "visitor_aliases" ("project_id", "canonical_index");

-- Ids erased by a right-to-erasure request: events received up to the request are never
-- (re)inserted, so replaying the topics in any order cannot bring the visitor back.
CREATE TABLE "erased_ids" (
    "project_id"   TEXT        NOT NULL,
    "id"           TEXT        NOT NULL,
    "requested_at" TIMESTAMPTZ NOT NULL,
    CONSTRAINT "erased_ids_pkey" PRIMARY KEY ("project_id", "id")
);

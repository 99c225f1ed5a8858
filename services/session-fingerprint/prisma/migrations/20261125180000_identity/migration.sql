-- Identity store of session-fingerprint (see docs/identity.md).
CREATE TABLE "visitor_counters" (
    "project_id" TEXT NOT NULL PRIMARY KEY,
    "next_index" INTEGER NOT NULL
);

CREATE TABLE "visitors" (
    "project_id" TEXT NOT NULL,
    "visitor_index" INTEGER NOT NULL,
    "visitor_id" TEXT,
    "user_id" TEXT,
    "traits" JSONB NOT NULL DEFAULT '{}',
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "merged_into" INTEGER,
    "erased" BOOLEAN NOT NULL DEFAULT false,
    "session_id" TEXT,
    "session_started_at" TIMESTAMPTZ(3),
    "session_last_at" TIMESTAMPTZ(3),
    "session_campaign" TEXT,
    "session_entry_page" TEXT,
    "session_last_page" TEXT,
    PRIMARY KEY ("project_id", "visitor_index")
);

CREATE TABLE "visitor_aliases" (
    "project_id" TEXT NOT NULL,
    "alias_id" TEXT NOT NULL,
    "visitor_index" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("project_id", "alias_id")
);
CREATE INDEX "visitor_aliases_project_id_visitor_index_idx" ON "visitor_aliases" ("project_id", "visitor_index");

CREATE TABLE "event_ledger" (
    "project_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "visitor_index" INTEGER NOT NULL,
    "visitor_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "is_new_visitor" BOOLEAN NOT NULL,
    "is_new_session" BOOLEAN NOT NULL,
    "merged_indexes" INTEGER[],
    "entry_page" TEXT,
    "previous_exit_page" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    PRIMARY KEY ("project_id", "message_id")
);
-- BRIN: rows arrive roughly in received order, and the index only serves the daily prune.
CREATE INDEX "event_ledger_received_at_idx" ON "event_ledger" USING BRIN ("received_at");

CREATE TABLE "fingerprint_salts" (
    "day" DATE NOT NULL PRIMARY KEY,
    "salt" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "erased_ids" (
    "project_id" TEXT NOT NULL,
    "id_hash" TEXT NOT NULL,
    "erased_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("project_id", "id_hash")
);

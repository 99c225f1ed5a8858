-- Issue #16 finding 7: an erased id is kept as SHA-256(project_id "\n" id), hex, not in plain
-- (the event store's insert check hashes each event's ids the same way; docs/identity.md).
UPDATE "erased_ids" SET "id" = encode(sha256(convert_to("project_id" || E'\n' || "id", 'UTF8')), 'hex');

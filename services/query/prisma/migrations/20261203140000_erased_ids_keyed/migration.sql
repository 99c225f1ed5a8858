-- Issue #16 finding 7c: an erased id is kept as HMAC-SHA-256(ERASURE_ID_SECRET, project_id "\n" id),
-- the form erasures.v1 names it by (stores/erased-id.ts). Every row here is an unkeyed SHA-256,
-- which a dictionary of emails or user ids reverses, and which cannot be re-keyed without the ids:
-- they are dropped. Those persons' events are already deleted; a replay re-applies their requests
-- from erasures.v1 (kept as long as the events it erases), this time with keyed hashes.
DELETE FROM "erased_ids";

-- Issue #16 finding 7c: an applied erasure request keeps 'hmac-sha256:' || HMAC-SHA-256(ERASURE_ID_SECRET,
-- project_id "\n" visitor id) (stores/erasures.store.ts). The unkeyed 'sha256:' hashes written before
-- cannot be re-keyed without the ids and a dictionary of ids reverses them: they are dropped, and
-- such a request answers `visitorId: "sha256:"` (erased, hash not kept). Pending requests still
-- hold the id and get the keyed hash when applied.
UPDATE "erasures" SET "visitor_id" = 'sha256:' WHERE "visitor_id" LIKE 'sha256:%';

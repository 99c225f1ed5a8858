-- Issue #16 finding 7c: an erased alias id is kept as HMAC-SHA-256(ERASURE_ID_SECRET, project_id "\n"
-- alias id) (stores/erasure.store.ts). Every row here is an unkeyed SHA-256, which a dictionary of
-- emails or user ids reverses, and which cannot be re-keyed without the ids: they are dropped.
-- Those visitors stay erased (index kept, `erased = true`, no ids); an event that names one of their
-- old ids again starts a new visitor, as for a project with allowReidentifyAfterErasure.
DELETE FROM "erased_ids";

-- Issue #16 finding 7e: an erasure request keeps the visitor id only until the event store has
-- applied it; then `visitor_id` holds 'sha256:' || SHA-256(project_id "\n" visitor id) instead
-- (stores/erasures.store.ts). Requests older than a day were applied long ago (an erasure takes
-- seconds): they keep only the hash from now on. Newer ones are hashed at their next status read.
UPDATE "erasures"
SET "visitor_id" = 'sha256:' || encode(sha256(convert_to("project_id" || E'\n' || "visitor_id", 'UTF8')), 'hex')
WHERE "visitor_id" NOT LIKE 'sha256:%' AND "requested_at" < now() - interval '1 day';

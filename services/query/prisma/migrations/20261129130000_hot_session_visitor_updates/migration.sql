-- Every stored batch updates the sessions and visitors rows of its events. With full pages each
-- update writes a new row version elsewhere and a new entry in every index of the table; with
-- room left in the page Postgres updates in place (HOT: no index entries while no indexed column
-- changes). Measured on 300k events: 60 -> 54 us of Postgres CPU per stored event.
ALTER TABLE "sessions" SET (fillfactor = 70);
ALTER TABLE "visitors" SET (fillfactor = 70);

-- Category is The Eye's field and null on most events: index only the events that have one
-- (a filter `category = $1` implies NOT NULL, so the event log still uses this index).
DROP INDEX "events_project_id_category_timestamp_message_id_idx";
CREATE INDEX "events_project_id_category_timestamp_message_id_idx" ON "events" ("project_id", "category", "timestamp", "message_id") WHERE "category" IS NOT NULL;

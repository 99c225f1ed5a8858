-- Funnels read (person, time, messageId) of every event with a step's name: with visitor_index
-- in the (project, name, time) index that read is an index-only scan, no heap fetch per event.
DROP INDEX "events_project_id_name_timestamp_message_id_idx";
CREATE INDEX "events_project_id_name_timestamp_message_id_visitor_index_idx" ON "events" ("project_id", "name", "timestamp", "message_id", "visitor_index");

-- Issue #15 §3: saved segments, a named set of the dashboard's global filters per project
-- (routes/segments.routes.ts). `filters` is the filter bar's list ([{dim, op, values}]), so the
-- dashboard restores the bar exactly; the API's filter expression is derived from it.
CREATE TABLE "segments" (
    "project_id" TEXT NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "name" TEXT NOT NULL,
    "filters" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    PRIMARY KEY ("project_id", "name")
);

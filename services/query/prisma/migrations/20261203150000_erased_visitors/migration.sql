-- Issue #16 finding 7c: the visitor indexes an erasure named or found (erasures.v1 `visitorIndexes`
-- and their merge group). A rebuild that reads the request before the events refuses a person's
-- events by index, also those whose ids the request did not name (an anonymousId before the
-- login); indexes are never reused and are not personal.
CREATE TABLE "erased_visitors" (
    "project_id"    TEXT        NOT NULL,
    "visitor_index" INTEGER     NOT NULL,
    "requested_at"  TIMESTAMPTZ NOT NULL,
    CONSTRAINT "erased_visitors_pkey" PRIMARY KEY ("project_id", "visitor_index")
);

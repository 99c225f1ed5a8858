-- Accounts, members, projects and keys: the gateway's own store.
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "accounts_slug_key" ON "accounts"("slug");

CREATE TABLE "members" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "members_email_key" ON "members"("email");

CREATE TABLE "memberships" (
    "account_id" TEXT NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "member_id" TEXT NOT NULL REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "role" TEXT NOT NULL CHECK ("role" IN ('admin', 'analyst', 'viewer')),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY ("account_id", "member_id")
);
CREATE INDEX "memberships_member_id_idx" ON "memberships"("member_id");

CREATE TABLE "sessions" (
    "token_hash" TEXT NOT NULL PRIMARY KEY,
    "member_id" TEXT NOT NULL REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "sessions_member_id_idx" ON "sessions"("member_id");

CREATE TABLE "projects" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "account_id" TEXT NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "write_key" TEXT NOT NULL,
    "previous_write_key" TEXT,
    "time_zone" TEXT NOT NULL,
    "allowed_origins" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL,
    "cookieless" BOOLEAN NOT NULL,
    "bot_filtering" BOOLEAN NOT NULL,
    "settings" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL
);
CREATE UNIQUE INDEX "projects_write_key_key" ON "projects"("write_key");
CREATE UNIQUE INDEX "projects_account_id_slug_key" ON "projects"("account_id", "slug");

CREATE TABLE "read_keys" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "project_id" TEXT NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3)
);
CREATE UNIQUE INDEX "read_keys_secret_hash_key" ON "read_keys"("secret_hash");
CREATE INDEX "read_keys_project_id_idx" ON "read_keys"("project_id");

CREATE TABLE "saved_funnels" (
    "project_id" TEXT NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "name" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    PRIMARY KEY ("project_id", "name")
);

CREATE TABLE "erasures" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "project_id" TEXT NOT NULL REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "visitor_id" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL
);
CREATE INDEX "erasures_project_id_idx" ON "erasures"("project_id");

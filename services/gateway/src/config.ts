import { z } from 'zod';
import { defineConfig, env, httpPiece, kafkaPiece, postgresPiece, runtimePiece, telemetryPiece } from '@sightline/config';

export const config = defineConfig({
  ...runtimePiece,
  ...kafkaPiece,
  ...postgresPiece,
  ...telemetryPiece,
  ...httpPiece(8080),
  DATABASE_URL: z.string().url().default('postgresql://sightline:sightline@127.0.0.1:5433/gateway'),
  AGGREGATOR_URL: z.string().url().default('http://127.0.0.1:8083'),
  QUERY_URL: z.string().url().default('http://127.0.0.1:8084'),
  /** The collector; HiiTrack-compatible writes are forwarded to it with the project's write key. */
  INGEST_URL: z.string().url().default('http://127.0.0.1:8081'),
  /** The collector's URL as browsers and SDKs reach it, for the dashboard's snippets (GET /v1/config); unset = the browser derives it. */
  INGEST_PUBLIC_URL: z.string().url().optional(),
  /** Public URL of this gateway, for status links and the demo env file. */
  PUBLIC_URL: z.string().url().optional(),
  /** Anyone may create an account with POST /v1/accounts. */
  SIGNUP_OPEN: env.bool.default(true),
  /** The project the seed-compatible endpoints read when a member names none. */
  DEFAULT_PROJECT_ID: z.string().min(1).default('demo'),
  /** Origins allowed to call the API from a browser (the dashboard); empty means same-origin only. */
  DASHBOARD_ORIGINS: env.csv.default([]),
  SESSION_TTL_HOURS: z.coerce.number().int().positive().default(24 * 7),
  /** Requests per second per key or member, with a burst. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  RATE_LIMIT_BURST: z.coerce.number().positive().default(200),
  /** Failed logins per email per minute; once spent, every attempt for that email is a 429 (a lockout) until they refill. */
  LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().positive().default(20),
  /** Anonymous attempts that cost a password hash (sign-in, sign-up, Basic not yet verified) per IP per minute. */
  ANONYMOUS_ATTEMPTS_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /** Reverse proxies (IPs or CIDRs) whose X-Forwarded-For names the client for that limit; empty: the peer is the client. */
  TRUSTED_PROXIES: env.csv.default([]),
  /** Members an admin may add per hour: each add tells whether an email is registered (a new person needs a password). */
  MEMBER_ADDS_PER_HOUR: z.coerce.number().int().positive().default(30),
  /** Verified Basic credentials are remembered this long, so each API call does not pay for scrypt. */
  CREDENTIAL_CACHE_SECONDS: z.coerce.number().int().min(0).default(30),
  /** Read keys, projects and roles are remembered this long; a revocation takes effect within it (keep < 2000). */
  LOOKUP_CACHE_MS: z.coerce.number().int().min(0).max(2000).default(1000),
  MAX_RANGE_DAYS: z.coerce.number().int().positive().default(800),
  /** Most events The Eye's `GET /api/event/?offset=` may skip in one request (uncounted pages of 1,000); `next` links carry a cursor and skip nothing. */
  EYE_MAX_OFFSET_WALK: z.coerce.number().int().min(1000).max(1_000_000).default(10_000),
  MAX_FUNNEL_STEPS: z.coerce.number().int().min(2).max(50).default(10),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  BODY_LIMIT: z.string().default('256kb'),
  /** scrypt cost (N), OWASP's 2^17 by default; lower only in tests. Each hash records its own cost, so older ones still verify. */
  SCRYPT_COST: z.coerce.number().int().min(1024).max(2 ** 20).default(2 ** 17),
  /** scrypt hashes computed at once (each takes a libuv pool thread and 128·N·8 bytes). */
  SCRYPT_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** scrypt hashes allowed to wait; beyond that a sign-in is refused at once with 503. */
  SCRYPT_QUEUE: z.coerce.number().int().min(0).max(1000).default(16),
});

export type GatewayConfig = z.infer<typeof config.schema>;

import { createHash, createHmac } from 'node:crypto';
import type { RequestFacts } from '@sightline/contracts';

/** How long a day's salt lives after the day starts; after that the day's hashes cannot be re-derived. */
export const SALT_LIFETIME_MS = 48 * 3600_000;

/**
 * The salt day of an event is the UTC day it was RECEIVED (server clock, part of the raw
 * record), not its client timestamp: a replay derives the same day, and a late client batch
 * cannot ask for a salt that is already destroyed.
 */
export function saltDayOf(receivedAt: string): string {
  return new Date(receivedAt).toISOString().slice(0, 10);
}

/** A day's salt may be used (and created) until 48 h after the day starts. */
export function saltUsable(day: string, now: Date): boolean {
  return now.getTime() < Date.parse(`${day}T00:00:00Z`) + SALT_LIFETIME_MS;
}

/**
 * FizzStat's cookieless id: HMAC-SHA-256 over project, IP, User-Agent and Accept-Language,
 * keyed with the day's random salt. Without the salt (destroyed after 48 h) the hash can be
 * neither reversed nor joined with another day's hash.
 */
export function fingerprintOf(salt: Buffer, projectId: string, facts: Pick<RequestFacts, 'ip' | 'userAgent' | 'acceptLanguage'>): string {
  return createHmac('sha256', salt)
    .update(`${projectId}\n${facts.ip ?? ''}\n${facts.userAgent ?? ''}\n${facts.acceptLanguage ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

/** Deterministic, opaque session id: a replay that sees the same visitor and start gets the same id. */
export function sessionIdOf(projectId: string, visitorIndex: number, startedAt: number): string {
  return createHash('sha256').update(`${projectId}\n${visitorIndex}\n${startedAt}`).digest('base64url').slice(0, 22);
}

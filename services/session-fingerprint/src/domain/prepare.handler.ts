import { projectConfigValue, type ProjectConfig, type RawEvent } from '@sightline/contracts';
import { fingerprintOf, saltDayOf } from './fingerprint.handler';
import type { IdentityInput } from './identity.handler';
import { sourceOf, type SourceFacts } from './enrich.handler';

/** A raw event with the ids it will be resolved by, or the reason it is not enriched. */
export type PreparedEvent =
  | { kind: 'drop'; reason: string }
  /** Cannot be stored, now or ever: to the DLQ rather than failing its whole batch forever. */
  | { kind: 'dlq'; reason: string }
  | { kind: 'ready'; event: RawEvent; project: ProjectConfig; identity: IdentityInput; anonymousMode: boolean; at: number; source: SourceFacts }
  /** Needs a fingerprint whose salt is gone: enriched only if the ledger already knows it. */
  | { kind: 'unresolvable'; event: RawEvent; reason: string; source: SourceFacts };

// A project the table has not seen yet (created a moment ago) gets the contract's defaults,
// which are the privacy-preserving ones.
const defaults = (projectId: string): ProjectConfig =>
  projectConfigValue.parse({ projectId, accountId: '?', name: projectId, accountSlug: '?', slug: projectId, writeKeys: [], updatedAt: new Date(0).toISOString() });

export function projectOrDefaults(project: ProjectConfig | undefined, projectId: string): ProjectConfig {
  return project ?? defaults(projectId);
}

/**
 * Whether the event will need the fingerprint (and so the salt of its day). Never for events a
 * server sent: the request's IP and User-Agent may be the server's own, and one fingerprint for
 * every user of a backend would tie them all to one visitor.
 */
export function needsFingerprint(event: RawEvent, project: ProjectConfig): boolean {
  if (event.request.clientKind === 'server') return false;
  const privacy = (event.request.dnt || event.request.gpc) && project.privacySignals !== 'ignore';
  if (privacy) return project.privacySignals === 'anonymous';
  return project.cookieless && !event.anonymousId && !event.previousId;
}

/**
 * Applies the project's privacy rules and picks the ids:
 * - DNT / Sec-GPC with `drop`: not counted; with `anonymous`: counted by today's fingerprint
 *   only, never linked to the client's ids nor given traits;
 * - otherwise userId, anonymousId, alias previousId, and (cookieless projects, when the
 *   client sent no anonymous id) the fingerprint, which links a cookieless visitor to a login.
 */
export function prepareEvent(event: RawEvent, project: ProjectConfig, salts: Map<string, Buffer>): PreparedEvent {
  if (hasNul(event)) return { kind: 'dlq', reason: 'NUL character in an id, trait or page (Postgres text cannot hold it)' };
  const privacy = (event.request.dnt || event.request.gpc) && project.privacySignals !== 'ignore';
  if (privacy && project.privacySignals === 'drop') return { kind: 'drop', reason: 'privacy_signal' };
  if (event.type === 'alias' && (!event.userId || !event.previousId)) return { kind: 'drop', reason: 'alias_without_ids' };
  const at = Date.parse(event.timestamp);
  let fingerprint: string | null = null;
  if (needsFingerprint(event, project)) {
    const salt = salts.get(saltDayOf(event.receivedAt));
    if (!salt) {
      if (privacy || (!event.userId && !event.anonymousId)) return { kind: 'unresolvable', event, reason: 'fingerprint_salt_expired', source: sourceOf(event.context) };
    } else {
      fingerprint = fingerprintOf(salt, event.projectId, event.request);
    }
  }
  if (privacy ? !fingerprint : !event.userId && !event.anonymousId && !fingerprint) return { kind: 'drop', reason: 'no_visitor_id' };
  const identity: IdentityInput = privacy
    ? { userId: null, anonymousId: null, previousId: null, fingerprint, at, allowReidentify: project.allowReidentifyAfterErasure }
    : { userId: event.userId, anonymousId: event.anonymousId, previousId: event.previousId, fingerprint, at, allowReidentify: project.allowReidentifyAfterErasure };
  return { kind: 'ready', event, project, identity, anonymousMode: privacy, at, source: sourceOf(event.context) };
}

// Postgres text and jsonb reject U+0000; one such event would fail its batch on every retry.
function hasNul(event: RawEvent): boolean {
  const stored = [event.messageId, event.userId, event.anonymousId, event.previousId, event.context.page?.path, event.context.page?.url, event.context.campaign?.source, event.context.campaign?.medium, event.context.campaign?.name];
  return stored.some((s) => s?.includes('\u0000')) || (Object.keys(event.traits).length > 0 && JSON.stringify(event.traits).includes('\\u0000'));
}

/*
 * Which text Sightline keeps. Every string of an event (names, ids, property and trait keys and
 * values, context) ends up in Postgres text or jsonb columns (query, identity store) and in Redis
 * keys (aggregator). Two kinds of JavaScript string cannot make that trip intact:
 * - U+0000: Postgres text and jsonb refuse it, so the query service dead-letters the event that
 *   the aggregator has already counted;
 * - an unpaired surrogate (U+D800–U+DFFF alone): it is no Unicode character, jsonb refuses its
 *   escape, and UTF-8 encoders replace it by U+FFFD, so two different names become one key.
 * The rule, decided once here: ingest refuses such an event with a 400 that names the field
 * (nothing is silently altered), so a 2xx stays a promise that every store accepts the event.
 * The page URL's utm_* parameters count as text too: the fingerprint decodes them into source,
 * medium and campaign, the aggregator into utm_content and utm_term, so `?utm_source=%00` is
 * refused as well (other parameters are never decoded, so `?q=%00` is fine).
 * So is JSON nested deeper than MAX_NESTING: 16,000 levels fit in a 32 KB event, and Postgres's
 * JSON parser runs out of stack near 15,000 (an error the query service cannot dead-letter, so
 * the partition would stall); no real property needs more than a few levels.
 */

/** Containers (objects, arrays) nested in one event, the event itself included. */
export const MAX_NESTING = 64;
const TOO_DEEP = `nested deeper than ${MAX_NESTING} levels, which cannot be stored`;

/** A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** Why a string is not storable, for the 400's reason. */
function problemOf(text: string): string {
  return text.includes('\u0000')
    ? 'contains U+0000 (NUL), which cannot be stored'
    : 'contains an unpaired UTF-16 surrogate (not Unicode text), which cannot be stored';
}

export interface TextProblem {
  path: string;
  reason: string;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `a.b`, or `a["odd key"]` when the key would not read as a path (the key itself may be the culprit). */
function childPath(parent: string, key: string): string {
  const part = PLAIN_KEY.test(key) && isStorableText(key) ? key : `[${JSON.stringify(key)}]`;
  if (!parent) return part.startsWith('[') ? `(event)${part}` : part;
  return part.startsWith('[') ? `${parent}${part}` : `${parent}.${part}`;
}

/** utm_* values of a page URL or search string, decoded as the fingerprint and the aggregator read them. */
function decodedUtmOf(value: string, isUrl: boolean): string[] {
  const start = isUrl ? value.indexOf('?') + 1 : 0;
  if (isUrl && start === 0) return [];
  const search = value.slice(start).split('#')[0]!;
  const out: string[] = [];
  for (const [k, v] of new URLSearchParams(search.startsWith('?') ? search.slice(1) : search)) if (k.startsWith('utm_')) out.push(v);
  return out;
}

const URL_PATHS = new Set(['context.page.url']);
const SEARCH_PATHS = new Set(['context.page.search']);

/**
 * Every place in a JSON-like value (an event as it will be stored) where a string or an
 * object key is not storable, or the nesting is too deep, with its path; at most `limit` of
 * them. Empty when all is storable.
 */
export function unstorableText(value: unknown, path = '', limit = 10): TextProblem[] {
  const problems: TextProblem[] = [];
  const visit = (v: unknown, at: string, depth: number): void => {
    if (problems.length >= limit) return;
    if (v !== null && typeof v === 'object' && depth > MAX_NESTING) {
      problems.push({ path: at || '(event)', reason: TOO_DEEP });
      return;
    }
    if (typeof v === 'string') {
      if (!isStorableText(v)) problems.push({ path: at || '(event)', reason: problemOf(v) });
      else if (URL_PATHS.has(at) || SEARCH_PATHS.has(at)) {
        const bad = decodedUtmOf(v, URL_PATHS.has(at)).find((s) => !isStorableText(s));
        if (bad !== undefined) problems.push({ path: at, reason: `a utm_ parameter ${problemOf(bad)} once decoded` });
      }
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${at}[${i}]`, depth + 1));
      return;
    }
    if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        const child = childPath(at, key);
        if (!isStorableText(key)) problems.push({ path: child, reason: `the key ${problemOf(key)}` });
        visit(item, child, depth + 1);
      }
    }
  };
  visit(value, path, 1);
  return problems.slice(0, limit);
}

/**
 * The first place where a JSON-like value nests deeper than MAX_NESTING, or null. It never walks
 * deeper than that, so it is safe on any parsed body: call it before anything recursive
 * (JSON.stringify overflows the stack at about 5,000 levels; a 32 KB body can hold 16,000).
 */
export function tooDeep(value: unknown, path = ''): TextProblem | null {
  const walk = (v: unknown, at: string, depth: number): TextProblem | null => {
    if (v === null || typeof v !== 'object') return null;
    if (depth > MAX_NESTING) return { path: at || '(event)', reason: TOO_DEEP };
    for (const [key, item] of Object.entries(v)) {
      const found = walk(item, Array.isArray(v) ? `${at}[${key}]` : childPath(at, key), depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(value, path, 1);
}

/** At most `max` UTF-16 units of `text`, never cutting a surrogate pair in two (which would leave unstorable text). */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(max - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

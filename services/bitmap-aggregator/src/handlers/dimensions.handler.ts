import type { EnrichedEventParsed } from '@sightline/contracts';

/** Dimensions with fixed names; every other dimension is `<kind>:<value>`. */
export const ACTIVE = '$active';
export const NEW = '$new';
export const BOT = '$bot';

export const DIMENSION_KINDS = ['event', 'trait', 'source', 'medium', 'campaign', 'browser', 'os', 'device'] as const;
const MAX_TRAITS = 64;
const MAX_VALUE_LENGTH = 200;

export function isDimension(dim: string): boolean {
  if (dim === ACTIVE || dim === NEW || dim === BOT) return true;
  const colon = dim.indexOf(':');
  if (colon <= 0 || colon === dim.length - 1) return false;
  const kind = dim.slice(0, colon);
  if (kind === 'trait') return /^[^=]+=/.test(dim.slice(colon + 1));
  return (DIMENSION_KINDS as readonly string[]).includes(kind);
}

/**
 * The dimensions an event sets a bit in. A bot event of a project that filters bots only
 * lands in `$bot`, so that it never inflates uniques or totals.
 */
export function dimensionsOf(
  event: Pick<EnrichedEventParsed, 'name' | 'traits' | 'source' | 'medium' | 'campaign' | 'device' | 'isBot' | 'isNewVisitor'>,
  botFiltering: boolean,
  /** Only these trait keys become dimensions; null = every trait (see BITMAP_TRAIT_KEYS). */
  traitKeys: ReadonlySet<string> | null = null,
): string[] {
  if (event.isBot && botFiltering) return [BOT];
  const dims = [ACTIVE, `event:${clip(event.name)}`];
  if (event.isNewVisitor) dims.push(NEW);
  if (event.source) dims.push(`source:${clip(event.source)}`);
  if (event.medium) dims.push(`medium:${clip(event.medium)}`);
  if (event.campaign) dims.push(`campaign:${clip(event.campaign)}`);
  if (event.device.browser) dims.push(`browser:${clip(event.device.browser)}`);
  if (event.device.os) dims.push(`os:${clip(event.device.os)}`);
  dims.push(`device:${event.device.deviceType}`);
  let traits = 0;
  for (const [key, value] of Object.entries(event.traits)) {
    if (traits >= MAX_TRAITS) break;
    if (key.includes('=') || key.length > MAX_VALUE_LENGTH || (traitKeys && !traitKeys.has(key))) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    dims.push(`trait:${key}=${clip(String(value))}`);
    traits++;
  }
  return dims;
}

function clip(value: string): string {
  return value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value;
}

import { BlockList, isIP } from 'node:net';

/*
 * The client address behind reverse proxies: ingest (the fingerprint's IP) and the gateway (its
 * per-IP sign-in limit) believe X-Forwarded-For only from the proxies in TRUSTED_PROXIES.
 */

/** Parses TRUSTED_PROXIES entries: single addresses or CIDR ranges, IPv4 or IPv6. */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    if (!address || family === 0) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) is reported as `1.2.3.4`. */
export function normalizeIp(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client address: walk X-Forwarded-For from the right while the hop that told us is a
 * trusted proxy. The leftmost entries are whatever the client claimed and are never believed
 * past an untrusted hop.
 */
export function clientIp(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: BlockList): string | null {
  let current = socketAddress ? normalizeIp(socketAddress) : null;
  if (!current) return null;
  const raw = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  if (!raw) return current;
  const hops = raw.split(',').map(normalizeIp).filter(Boolean);
  while (hops.length && isTrusted(trusted, current)) {
    const next = hops.pop()!;
    if (isIP(next) === 0) break;
    current = next;
  }
  return current;
}

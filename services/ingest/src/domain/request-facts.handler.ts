import type { BlockList } from 'node:net';
import type { RequestFacts } from '@sightline/contracts';
import { clientIp } from '@sightline/http';

// Shared with the gateway's per-IP sign-in limit; re-exported for ingest's wiring and tests.
export { clientIp, normalizeIp, trustedProxyList } from '@sightline/http';

export interface RequestHeaders {
  [name: string]: string | string[] | undefined;
}

function header(headers: RequestHeaders, name: string): string | null {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text ? text : null;
}

export function requestFacts(socketAddress: string | undefined, headers: RequestHeaders, trusted: BlockList, clientKind: RequestFacts['clientKind'] = 'server'): RequestFacts {
  return {
    clientKind,
    ip: clientIp(socketAddress, headers['x-forwarded-for'], trusted),
    userAgent: header(headers, 'user-agent')?.slice(0, 1024) ?? null,
    acceptLanguage: header(headers, 'accept-language')?.slice(0, 512) ?? null,
    dnt: header(headers, 'dnt') === '1',
    gpc: header(headers, 'sec-gpc') === '1',
  };
}

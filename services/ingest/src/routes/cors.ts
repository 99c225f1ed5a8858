import type { Response } from 'express';

function normalize(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

/** `*` allows any origin; `https://*.example.com` allows its subdomains; otherwise exact match. */
export function originAllowed(allowed: readonly string[], origin: string): boolean {
  const wanted = normalize(origin);
  return allowed.some((entry) => {
    const pattern = normalize(entry);
    if (pattern === '*' || pattern === wanted) return true;
    const star = pattern.indexOf('://*.');
    if (star < 0) return false;
    const scheme = pattern.slice(0, star + 3);
    const suffix = pattern.slice(star + 4);
    return wanted.startsWith(scheme) && wanted.endsWith(suffix) && wanted.length > scheme.length + suffix.length;
  });
}

/** The project's answer to a browser: `*` when it allows any origin, else the origin itself. */
export function setCorsHeaders(res: Response, origin: string | undefined, allowed: readonly string[]): void {
  if (!origin) return;
  // The tracker honours Retry-After on 429/503; a cross-origin page can only read it when exposed.
  res.set('Access-Control-Expose-Headers', 'Retry-After');
  if (allowed.includes('*')) res.set('Access-Control-Allow-Origin', '*');
  else {
    res.set('Access-Control-Allow-Origin', origin);
    res.vary('Origin');
  }
}

export const preflightHeaders = {
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization',
  'Access-Control-Max-Age': '86400',
};

/**
 * Browser endpoints answer errors readably across origins too: before the write key is known
 * (401) the browser would otherwise see a network error and retry forever. An error body
 * holds no project data; the project's own origin rule still decides what is accepted.
 */
export function exposeErrorsToBrowsers(res: Response, origin: string | undefined): void {
  if (!origin) return;
  res.set('Access-Control-Allow-Origin', origin);
  res.set('Access-Control-Expose-Headers', 'Retry-After');
  res.vary('Origin');
}

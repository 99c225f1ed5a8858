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

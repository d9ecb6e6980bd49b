import type { Request } from 'express';

/**
 * The client's address as audit rows, sessions and consent signatures record it: Express
 * resolves `req.ip` through X-Forwarded-For only as far as TRUST_PROXY allows (a hop count or
 * the proxies' CIDRs), so a caller cannot choose it. IPv4-mapped IPv6 addresses
 * (RFC 4291 §2.5.5.2, `::ffff:203.0.113.7`) are stored as the plain IPv4 address.
 */
export function clientAddress(req: Request): string | null {
  const address = req.ip;
  if (address === undefined || address.length === 0) return null;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';

/** IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2, `::ffff:203.0.113.7`) are stored as the plain IPv4 address. */
function plainAddress(address: string | undefined): string | null {
  if (address === undefined || address.length === 0) return null;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

/**
 * The client's address as audit rows, sessions and consent signatures record it: Express
 * resolves `req.ip` through X-Forwarded-For only as far as TRUST_PROXY allows (a hop count or
 * the proxies' CIDRs), so a caller cannot choose it. IPv4-mapped IPv6 addresses
 * (RFC 4291 §2.5.5.2, `::ffff:203.0.113.7`) are stored as the plain IPv4 address.
 */
export function clientAddress(req: Request): string | null {
  return plainAddress(req.ip);
}

/** Express's compiled TRUST_PROXY (`app.get('trust proxy fn')`): may the address at this hop be believed? */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * The same resolution as `req.ip` for a request Express never saw (the live channel's
 * WebSocket upgrade): walk from the TCP peer back through X-Forwarded-For while each hop is a
 * trusted proxy; the first untrusted address is the client (proxy-addr's algorithm).
 */
export function upgradeClientAddress(req: IncomingMessage, trust: ProxyTrust): string | null {
  const peer = req.socket.remoteAddress;
  if (peer === undefined) return null;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .reverse();
  const chain = [peer, ...forwarded];
  for (let hop = 0; hop < chain.length - 1; hop += 1) {
    const address = chain[hop];
    if (address !== undefined && !trust(address, hop)) return plainAddress(address);
  }
  return plainAddress(chain[chain.length - 1]);
}

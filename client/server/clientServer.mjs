// Serves the built client (client/dist/web) with strict security headers and proxies the API
// (/v1, /.well-known, /health, /ready, /openapi.json, incl. the WebSocket upgrades of its live
// channel /v1/live/socket.io) and SFU signaling (/socket.io, incl. WebSocket upgrades) so the
// browser talks to one origin and the CSP stays `connect-src 'self'`.
// Plain Node (no dependencies): used by scripts/start.mjs and the browser end-to-end test.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

const API_PREFIXES = ['/v1/', '/.well-known/', '/health', '/ready', '/openapi.json'];
const SFU_PREFIX = '/socket.io/';
/** The API's live channel (socket.io, WebSocket only; LIVE_SOCKET_PATH in shared-types). */
const API_LIVE_PREFIX = '/v1/live/socket.io/';

/**
 * Content Security Policy (CSP Level 3): scripts, styles and workers only from this origin,
 * no inline code; media and images may be blob: (local previews, decrypted photos);
 * connections only back to this origin ('self' covers same-origin WebSockets).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(self), microphone=(self), geolocation=(), payment=()',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
};

/** Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded by a proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

/**
 * Client-address headers a caller could forge. This server is the edge: whatever a browser
 * sends in them is dropped and X-Forwarded-For is set to the TCP peer alone (not appended
 * to), so the API (TRUST_PROXY=1 or this host's CIDR) records the real client address.
 */
const CLIENT_ADDRESS_HEADERS = new Set(['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip']);

/** The TCP peer, with an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2) shown as plain IPv4. */
function peerAddress(req) {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

function forwardHeaders(req) {
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && !CLIENT_ADDRESS_HEADERS.has(name)) headers[name] = value;
  }
  headers['x-forwarded-for'] = peerAddress(req);
  // Trailers (the audit export's signed manifest) need the upstream to know we accept them.
  headers.te = 'trailers';
  return headers;
}

function proxyHttp(req, res, target) {
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: forwardHeaders(req) },
    (upstreamRes) => {
      const headers = {};
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (!HOP_BY_HOP.has(name)) headers[name] = value;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, headers);
      upstreamRes.on('data', (chunk) => res.write(chunk));
      upstreamRes.on('end', () => {
        if (Object.keys(upstreamRes.trailers).length > 0) res.addTrailers(upstreamRes.trailers);
        res.end();
      });
      upstreamRes.on('error', () => res.destroy());
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ code: 'upstream_unavailable', message: 'Service unavailable' }));
  });
  req.pipe(upstream);
}

function proxyUpgrade(req, socket, head, target) {
  const upstream = connect(Number(target.port), target.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (!CLIENT_ADDRESS_HEADERS.has(req.rawHeaders[i].toLowerCase())) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    lines.push(`X-Forwarded-For: ${peerAddress(req)}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  const close = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', close);
  socket.on('error', close);
}

async function serveStatic(root, req, res) {
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  let file = path.resolve(root, `.${pathname}`);
  if (file !== root && !file.startsWith(root + path.sep)) {
    res.writeHead(403, SECURITY_HEADERS).end();
    return;
  }
  let info = await stat(file).catch(() => null);
  const isAsset = pathname.startsWith('/assets/');
  if (info === null || info.isDirectory()) {
    if (isAsset) {
      res.writeHead(404, SECURITY_HEADERS).end();
      return;
    }
    // Client-side routes (/visit/:id, ...) all load the app shell.
    file = path.join(root, 'index.html');
    info = await stat(file).catch(() => null);
    if (info === null) {
      res.writeHead(503, SECURITY_HEADERS).end('client not built: run npm run build');
      return;
    }
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    // Hashed asset names never change content; the shell must always be fresh.
    'Cache-Control': isAsset ? 'public, max-age=31536000, immutable' : 'no-store',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/**
 * Starts the client server. `apiUrl` and `sfuUrl` are http://host:port of the API and SFU.
 * @param {{ root: string, apiUrl: string, sfuUrl: string, host?: string, port?: number }} options
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startClientServer({ root, apiUrl, sfuUrl, host = '127.0.0.1', port = 0 }) {
  const webRoot = path.resolve(root);
  const api = new URL(apiUrl);
  const sfu = new URL(sfuUrl);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith(SFU_PREFIX)) proxyHttp(req, res, sfu);
    else if (API_PREFIXES.some((prefix) => url === prefix || url.startsWith(prefix))) proxyHttp(req, res, api);
    else if (req.method === 'GET' || req.method === 'HEAD') serveStatic(webRoot, req, res).catch(() => res.destroy());
    else res.writeHead(405, SECURITY_HEADERS).end();
  });
  server.on('upgrade', (req, socket, head) => {
    const url = req.url ?? '';
    if (url.startsWith(SFU_PREFIX)) proxyUpgrade(req, socket, head, sfu);
    else if (url.startsWith(API_LIVE_PREFIX)) proxyUpgrade(req, socket, head, api);
    else socket.destroy();
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Run directly: CLIENT_PORT, CLIENT_HOST, API_URL, SFU_URL from the environment.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const server = await startClientServer({
    root: process.env.CLIENT_ROOT ?? path.join(here, '..', 'dist', 'web'),
    apiUrl: process.env.API_URL ?? 'http://127.0.0.1:3000',
    sfuUrl: process.env.SFU_URL ?? 'http://127.0.0.1:4000',
    host: process.env.CLIENT_HOST ?? '127.0.0.1',
    port: Number(process.env.CLIENT_PORT ?? 8080),
  });
  process.stdout.write(`client listening on ${server.url}\n`);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      void server.close().then(() => process.exit(0));
    });
  }
}

/** Where socket.io connects for one SFU node: an origin and the engine's HTTP path. */
export interface SignalingEndpoint {
  origin: string;
  path: string;
}

/**
 * The socket.io endpoint of a signaling URL. A cluster behind a load balancer names each
 * node by a path prefix (`http://host/sfu/node-a`, or just `/sfu/node-a` on the page's own
 * origin): socket.io would read that path as a namespace, so the prefix goes into the
 * engine path instead (`/sfu/node-a/socket.io`) and the origin alone is the URL.
 */
export function signalingEndpoint(url: string, base: string): SignalingEndpoint {
  const parsed = new URL(url, base);
  const prefix = parsed.pathname.replace(/\/+$/, '');
  return { origin: parsed.origin, path: `${prefix}/socket.io` };
}

/** Whether two endpoints are the same node (a fresh token that names another one means: move). */
export function sameEndpoint(a: SignalingEndpoint, b: SignalingEndpoint): boolean {
  return a.origin === b.origin && a.path === b.path;
}

/**
 * A switchable network path for media in browser tests: the SFU announces 127.0.0.2 in its
 * ICE candidates (SFU_ANNOUNCED_ADDRESS) while it listens on 127.0.0.1; this proxy binds the
 * same UDP ports on 127.0.0.2 and forwards both ways, one upstream socket per browser
 * socket (like a NAT). `setDropping(true)` silently drops every packet in both directions,
 * which is what a browser sees when its Wi-Fi goes away. Test-only.
 */
import dgram from 'node:dgram';

export const PROXY_ADDRESS = '127.0.0.2';

export class UdpDropProxy {
  readonly #sockets: dgram.Socket[] = [];
  /** Media ports whose traffic is dropped now (null = none). */
  #dropping: Set<number> | null = null;

  /** Listens on PROXY_ADDRESS:port for every port in [minPort, maxPort], forwarding to `target`. */
  static async start(minPort: number, maxPort: number, target = '127.0.0.1'): Promise<UdpDropProxy> {
    const proxy = new UdpDropProxy();
    for (let port = minPort; port <= maxPort; port += 1) await proxy.#listen(port, target);
    return proxy;
  }

  async #listen(port: number, target: string): Promise<void> {
    const front = dgram.createSocket('udp4');
    const upstreams = new Map<string, dgram.Socket>();
    front.on('message', (message, from) => {
      if (this.#dropping?.has(port) === true) return;
      const key = `${from.address}:${String(from.port)}`;
      let upstream = upstreams.get(key);
      if (upstream === undefined) {
        const created = dgram.createSocket('udp4');
        created.on('message', (reply) => {
          if (this.#dropping?.has(port) !== true) front.send(reply, from.port, from.address);
        });
        created.bind(0, target);
        this.#sockets.push(created);
        upstreams.set(key, created);
        upstream = created;
      }
      upstream.send(message, port, target);
    });
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.bind(port, PROXY_ADDRESS, () => {
        resolve();
      });
    });
    this.#sockets.push(front);
    this.#allPorts.push(port);
  }

  /**
   * Drops every packet, both ways, on `ports` (one participant's transports; the others stay
   * on a working network), or on every port when none are given; `false` restores the path.
   */
  setDropping(dropping: boolean, ports: readonly number[] = this.#allPorts): void {
    this.#dropping = dropping ? new Set(ports) : null;
  }

  readonly #allPorts: number[] = [];

  close(): void {
    for (const socket of this.#sockets) {
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    }
    this.#sockets.length = 0;
  }
}

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import request from 'supertest';
import { bearer } from '../api/test/fixtures/identity.js';
import { setUpVisit, testTurnSecret } from '../api/test/rooms/roomsFixtures.js';
import type { VisitFixture } from '../api/test/rooms/roomsFixtures.js';
import { startTestApi } from '../api/test/testApi.js';
import type { TestApi } from '../api/test/testApi.js';
import { PeerProcess } from '../sfu/test/support/peerProcess.js';
import type { PeerMessage } from '../sfu/test/support/peerProcess.js';
import { startTestSfu } from '../sfu/test/support/testSfu.js';
import type { TestSfu } from '../sfu/test/support/testSfu.js';

jest.setTimeout(240_000);

/** Debian's coturn (scripts/install-system-deps.sh). */
const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';
const CONFIG = path.join(__dirname, '..', 'infra', 'coturn', 'turnserver.conf');

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/**
 * Media forced through coturn (iceTransportPolicy "relay") with credentials the API issued:
 * proves infra/coturn/turnserver.conf (use-auth-secret) accepts the API's TURN REST API
 * credentials and refuses forged ones.
 */
describe('TURN relay with API-issued time-limited credentials', () => {
  let test: TestApi;
  let sfu: TestSfu;
  let visit: VisitFixture;
  let turn: ChildProcess | undefined;
  let turnUri: string;
  const secret = testTurnSecret();
  const peers: PeerProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(TURNSERVER)) throw new Error(`coturn missing at ${TURNSERVER}: run scripts/install-system-deps.sh`);
    const port = await freeUdpPort();
    turnUri = `turn:127.0.0.1:${port}?transport=udp`;
    // The shipped config, with test-only overrides: loopback addresses, and the SFU on
    // 127.0.0.1 allowed as a peer (coturn refuses loopback peers by default and the config
    // denies private ranges).
    turn = spawn(
      TURNSERVER,
      [
        '-c', CONFIG,
        `--static-auth-secret=${secret}`,
        `--listening-port=${port}`,
        '--listening-ip=127.0.0.1',
        '--relay-ip=127.0.0.1',
        '--allow-loopback-peers',
        '--allowed-peer-ip=127.0.0.1',
        '--no-tls',
        '--no-dtls',
        '--min-port=51000',
        '--max-port=51999',
        `--pidfile=/tmp/medspa-turn-${process.pid}.pid`,
      ],
      { stdio: 'ignore' },
    );
    test = await startTestApi({ TURN_SECRET: secret, TURN_URIS: turnUri, TURN_CREDENTIAL_TTL_SECONDS: '600' });
    visit = await setUpVisit(test);
    sfu = await startTestSfu();
    // coturn needs a moment to bind.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.stop()));
    turn?.kill('SIGTERM');
    await sfu.close();
    await test.close();
  });

  const credentials = async (): Promise<{ username: string; credential: string; uris: string[] }> =>
    (await request(test.api.app).get('/v1/turn-credentials').set('authorization', bearer(visit.patient)).expect(200)).body as {
      username: string;
      credential: string;
      uris: string[];
    };

  it('relays video between two peers that may only use TURN relay candidates', async () => {
    const issued = await credentials();
    expect(issued.uris).toEqual([turnUri]);
    const ice = JSON.stringify({
      iceServers: [{ urls: issued.uris, username: issued.username, credential: issued.credential }],
      iceTransportPolicy: 'relay',
    });
    const room = randomUUID();
    const practice = randomUUID();
    const provider = new PeerProcess([sfu.server.url, room, await sfu.signRoomToken({ room, sub: randomUUID(), role: 'provider', practice }), 'provider', ice]);
    peers.push(provider);
    const patient = new PeerProcess([sfu.server.url, room, await sfu.signRoomToken({ room, sub: randomUUID(), role: 'patient', practice }), 'patient', ice]);
    peers.push(patient);
    const receiving = (message: PeerMessage): boolean => message.type === 'receiving';
    await Promise.all([patient.waitFor(receiving), provider.waitFor(receiving)]);
    expect(patient.messages.filter((message) => message.type === 'transportState' && message.state === 'failed')).toEqual([]);
  });

  it('refuses relaying with a forged credential (wrong HMAC)', async () => {
    const issued = await credentials();
    const ice = JSON.stringify({
      iceServers: [{ urls: issued.uris, username: issued.username, credential: Buffer.alloc(20, 1).toString('base64') }],
      iceTransportPolicy: 'relay',
    });
    const room = randomUUID();
    const provider = new PeerProcess([sfu.server.url, room, await sfu.signRoomToken({ room, sub: randomUUID(), role: 'provider', practice: randomUUID() }), 'provider', ice]);
    peers.push(provider);
    // coturn answers the allocation with 401: no relay candidate, so the transport (which may
    // only use relay candidates) never connects. A valid credential connects within about a
    // second (previous test); 15 s without a connection is a refusal.
    await provider.waitFor((message) => message.type === 'media');
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(provider.messages.filter((message) => message.type === 'transportState' && message.state === 'connected')).toEqual([]);
  });
});

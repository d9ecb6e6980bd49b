import { randomUUID } from 'node:crypto';
import { DEFAULT_MEDIA_LIMITS } from '../src/media/mediaLimits.js';
import { startTestSfu } from './support/testSfu.js';
import type { TestSfu } from './support/testSfu.js';
import { connect, request } from './support/signalingClient.js';
import type { ClientSocket } from './support/signalingClient.js';

jest.setTimeout(60_000);

describe('SFU media caps per peer and per room', () => {
  let sfu: TestSfu;
  const sockets: ClientSocket[] = [];
  const practice = randomUUID();

  beforeAll(async () => {
    sfu = await startTestSfu({ limits: { ...DEFAULT_MEDIA_LIMITS, transportsPerPeer: 3, transportsPerRoom: 4 } });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await sfu.close();
  });

  async function admittedProvider(room: string): Promise<ClientSocket> {
    const token = await sfu.signRoomToken({ room, sub: randomUUID(), role: 'provider', practice });
    const socket = await connect(sfu.server.url, { roomId: room, token });
    sockets.push(socket);
    expect(await request(socket, 'join', {})).toMatchObject({ ok: true, data: { status: 'admitted' } });
    return socket;
  }

  it('refuses transports past the per-peer cap with limit_reached, and past the per-room cap', async () => {
    const room = randomUUID();
    const first = await admittedProvider(room);
    for (let index = 0; index < 3; index += 1) {
      expect(await request(first, 'createTransport', { direction: 'send' })).toMatchObject({ ok: true });
    }
    const fourth = await request(first, 'createTransport', { direction: 'recv' });
    expect(fourth).toMatchObject({ ok: false, error: { code: 'limit_reached' } });
    expect(sfu.server.rooms.get(room)?.mediaCounts.transport).toBe(3);

    // A second provider (e.g. an invited colleague) shares the room's budget of 4.
    const second = await admittedProvider(room);
    expect(await request(second, 'createTransport', { direction: 'send' })).toMatchObject({ ok: true });
    expect(await request(second, 'createTransport', { direction: 'recv' })).toMatchObject({
      ok: false,
      error: { code: 'limit_reached' },
    });
  });

  it('frees the old transports on a media rejoin, so rejoining again and again stays under the cap', async () => {
    const room = randomUUID();
    const peer = await admittedProvider(room);
    for (let rejoin = 0; rejoin < 3; rejoin += 1) {
      // Two transports per media setup; the cap of 3 would refuse the second setup's second one.
      expect(await request(peer, 'createTransport', { direction: 'send' })).toMatchObject({ ok: true });
      expect(await request(peer, 'createTransport', { direction: 'recv' })).toMatchObject({ ok: true });
      expect(sfu.server.rooms.get(room)?.mediaCounts.transport).toBe(2);
      // What a client sends when an ICE restart did not bring a transport back.
      expect(await request(peer, 'join', {})).toMatchObject({ ok: true, data: { status: 'admitted' } });
      expect(sfu.server.rooms.get(room)?.mediaCounts.transport).toBe(0);
    }
  });
});

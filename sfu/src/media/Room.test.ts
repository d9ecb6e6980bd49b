import { randomUUID } from 'node:crypto';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { Peer } from './Peer.js';
import { Room } from './Room.js';

const quietChannel = { emit: () => undefined, disconnect: () => undefined };

describe('Room and Peer lifecycle (close cascades, idempotent)', () => {
  let worker: types.Worker;

  beforeAll(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'error' });
  });

  afterAll(() => {
    worker.close();
  });

  it('closing a room closes its peers, their transports and the router, once', async () => {
    const released: types.Worker[] = [];
    const room = await Room.create(randomUUID(), randomUUID(), worker, (w) => released.push(w));
    const peer = new Peer(randomUUID(), 'provider', quietChannel);
    room.addPeer(peer);
    room.admit(peer);
    const transport = await room.router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
    peer.addTransport(transport);

    room.close();
    room.close();
    expect(room.closed).toBe(true);
    expect(room.router.closed).toBe(true);
    expect(transport.closed).toBe(true);
    expect(peer.state).toBe('closed');
    // The worker reservation is returned exactly once.
    expect(released).toEqual([worker]);
  });

  it('moving a room to another worker drops media but keeps peers and their admission', async () => {
    const other = await mediasoup.createWorker({ logLevel: 'error' });
    try {
      const sent: string[] = [];
      const room = await Room.create(randomUUID(), randomUUID(), worker, () => undefined);
      const patient = new Peer(randomUUID(), 'patient', {
        emit: (...args: unknown[]) => {
          sent.push(String(args[0]));
        },
        disconnect: () => undefined,
      });
      room.addPeer(patient);
      room.admit(patient);
      const oldRouter = room.router;
      const transport = await oldRouter.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
      patient.addTransport(transport);

      await room.moveTo(other);
      expect(transport.closed).toBe(true);
      expect(room.worker).toBe(other);
      expect(room.router).not.toBe(oldRouter);
      expect(patient.state).toBe('admitted');
      expect(room.wasAdmitted(patient.userId)).toBe(true);
      expect(sent).toEqual(['reconnectRequired']);
      room.close();
    } finally {
      other.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { PeerProcess } from './support/peerProcess.js';
import type { PeerMessage } from './support/peerProcess.js';
import { startTestSfu } from './support/testSfu.js';
import type { TestSfu } from './support/testSfu.js';

// Real WebRTC (libwebrtc via @roamhq/wrtc) on two busy cores: generous timeouts.
jest.setTimeout(240_000);

const receiving = (generation: number) => (message: PeerMessage): boolean => message.type === 'receiving' && message.generation === generation;

describe('two WebRTC peers through the SFU', () => {
  let sfu: TestSfu;
  const peers: PeerProcess[] = [];

  beforeAll(async () => {
    // Two workers so that a dead worker's room moves to another process.
    sfu = await startTestSfu({ workers: 2 });
  });

  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.stop()));
    await sfu.close();
  });

  it('exchanges video after admission, and recovers the room when its worker is killed', async () => {
    const room = randomUUID();
    const practice = randomUUID();
    const patientToken = await sfu.signRoomToken({ room, sub: randomUUID(), role: 'patient', practice });
    const providerToken = await sfu.signRoomToken({ room, sub: randomUUID(), role: 'provider', practice });

    const patient = new PeerProcess([sfu.server.url, room, patientToken, 'patient']);
    peers.push(patient);
    await patient.waitFor((message) => message.type === 'joined');
    expect(patient.messages).toContainEqual({ type: 'joined', status: 'waiting' });

    // The provider process admits whoever waits (after the API's admission check).
    const provider = new PeerProcess([sfu.server.url, room, providerToken, 'provider']);
    peers.push(provider);
    await patient.waitFor((message) => message.type === 'admitted');

    // Each side decodes the other's video: 320x240 frames from the synthetic camera.
    const [atPatient, atProvider] = await Promise.all([patient.waitFor(receiving(1)), provider.waitFor(receiving(1))]);
    expect(atPatient).toMatchObject({ width: 320, height: 240 });
    expect(atProvider).toMatchObject({ width: 320, height: 240 });
    expect(sfu.api.events.filter((event) => event.appointmentId === room && event.e2eeState === 'producer_e2ee')).toHaveLength(2);

    // Kill the room's worker process outright (SIGKILL: no cleanup on its side).
    const hosting = sfu.server.rooms.get(room);
    expect(hosting).toBeDefined();
    const deadPid = hosting?.worker.pid ?? 0;
    process.kill(deadPid, 'SIGKILL');

    // Clients are told to reconnect, rejoin without a second admission, and video flows again
    // through a router on a live worker.
    await Promise.all([
      patient.waitFor((message) => message.type === 'reconnectRequired'),
      provider.waitFor((message) => message.type === 'reconnectRequired'),
    ]);
    await Promise.all([patient.waitFor(receiving(2)), provider.waitFor(receiving(2))]);
    const recovered = sfu.server.rooms.get(room);
    expect(recovered?.worker.pid).not.toBe(deadPid);
    expect(sfu.server.workerPids).toHaveLength(2);
    expect(sfu.server.workerPids).not.toContain(deadPid);
    expect(sfu.api.admissionRequests.filter((request) => request.appointmentId === room)).toHaveLength(1);
    expect([...patient.errors(), ...provider.errors()]).toEqual([]);
  });
});

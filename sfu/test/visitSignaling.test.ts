import { randomUUID } from 'node:crypto';
import { startTestSfu } from './support/testSfu.js';
import type { TestSfu } from './support/testSfu.js';
import { connect, next, request } from './support/signalingClient.js';
import type { ClientSocket } from './support/signalingClient.js';

jest.setTimeout(60_000);

/** The visit around the media: refusal reasons, reconnecting seats, chat relay, end of visit. */
describe('SFU signaling: visit lifecycle', () => {
  let sfu: TestSfu;
  const sockets: ClientSocket[] = [];
  const practice = randomUUID();

  beforeAll(async () => {
    sfu = await startTestSfu();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
    sfu.api.decide = () => ({ allowed: true });
  });

  afterAll(async () => {
    await sfu.close();
  });

  async function join(room: string, role: 'patient' | 'provider', sub = randomUUID()): Promise<ClientSocket> {
    const token = await sfu.signRoomToken({ room, sub, role, practice });
    const socket = await connect(sfu.server.url, { roomId: room, token });
    sockets.push(socket);
    return socket;
  }

  /** A provider in the room and a waiting patient; returns both and the patient's peer id. */
  async function waitingPair(room: string, patientId = randomUUID()) {
    const patient = await join(room, 'patient', patientId);
    await request(patient, 'join', {});
    const provider = await join(room, 'provider');
    const waitingList = next(provider, 'waitingRoom');
    await request(provider, 'join', {});
    const peerId = (await waitingList).waiting[0]?.peerId ?? '';
    return { patient, provider, peerId };
  }

  async function admittedPair(room: string, patientId = randomUUID()) {
    const pair = await waitingPair(room, patientId);
    const admitted = next(pair.patient, 'admitted');
    expect(await request(pair.provider, 'admit', { peerId: pair.peerId })).toMatchObject({ ok: true });
    await admitted;
    return pair;
  }

  it('tells both sides why the API refused an admission', async () => {
    sfu.api.decide = () => ({ allowed: false, reason: 'outside_visit_window' });
    const { patient, provider, peerId } = await waitingPair(randomUUID());
    const told = next(patient, 'admissionRefused');
    const refused = await request(provider, 'admit', { peerId });
    expect(refused).toMatchObject({ ok: false, error: { code: 'admission_refused', reason: 'outside_visit_window' } });
    expect(await told).toEqual({ reason: 'outside_visit_window' });
  });

  it('relays sealed chat to the other admitted peers only, and never logs it', async () => {
    const room = randomUUID();
    const { patient, provider } = await admittedPair(room);
    const sealed = { keyIndex: 1, iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'c2VhbGVkLWNoYXQtY2lwaGVydGV4dA' };
    const received = next(patient, 'chat');
    expect(await request(provider, 'chat', { sealed })).toEqual({ ok: true, data: {} });
    const message = await received;
    expect(message.sealed).toEqual(sealed);
    expect(typeof message.from).toBe('string');
    expect(await request(patient, 'chat', { sealed: { ...sealed, iv: 'short' } })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    // A waiting patient can neither send nor receive chat.
    const other = await join(randomUUID(), 'patient');
    await request(other, 'join', {});
    expect(await request(other, 'chat', { sealed })).toMatchObject({ ok: false, error: { code: 'not_admitted' } });
    expect(sfu.logs.lines.join('')).not.toContain(sealed.ciphertext);
  });

  it('keeps a dropped peer’s seat as "reconnecting" and releases it when the user comes back', async () => {
    const room = randomUUID();
    const patientId = randomUUID();
    const { patient, provider } = await admittedPair(room, patientId);
    const reconnecting = next(provider, 'peerReconnecting');
    // Cut the transport without a goodbye, as a lost network does.
    patient.io.engine.close();
    const { peerId } = await reconnecting;
    expect(sfu.api.events.filter((event) => event.type === 'room.leave' && event.peerId === peerId)).toHaveLength(0);

    // The same user returns: the held seat is released (peerLeft for the old seat) and they are back without a second admit.
    const left = next(provider, 'peerLeft');
    const back = await join(room, 'patient', patientId);
    expect(await left).toEqual({ peerId });
    expect(await request(back, 'join', {})).toMatchObject({ ok: true, data: { status: 'admitted' } });
    expect(sfu.api.events.filter((event) => event.type === 'room.leave' && event.peerId === peerId)).toHaveLength(1);
  });

  it('ends the visit for everyone when the provider asks, and only the provider', async () => {
    const room = randomUUID();
    const { patient, provider } = await admittedPair(room);
    expect(await request(patient, 'endVisit', { outcome: 'completed' })).toMatchObject({ ok: false, error: { code: 'not_provider' } });
    expect(await request(provider, 'endVisit', { outcome: 'finished' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const patientTold = next(patient, 'visitEnded');
    const providerTold = next(provider, 'visitEnded');
    const patientGone = new Promise<string>((resolve) => patient.once('disconnect', resolve));
    expect(await request(provider, 'endVisit', { outcome: 'ended_early' })).toEqual({ ok: true, data: {} });
    expect(await patientTold).toEqual({ outcome: 'ended_early' });
    expect(await providerTold).toEqual({ outcome: 'ended_early' });
    expect(await patientGone).toBe('io server disconnect');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sfu.server.rooms.get(room)).toBeUndefined();
  });
});

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

  async function join(room: string, role: 'patient' | 'provider' | 'guest', sub = randomUUID()): Promise<ClientSocket> {
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

  it('a guest waits like the patient, is admitted by the provider after the API checked the invitation, and is removed on withdraw', async () => {
    const room = randomUUID();
    const { patient, provider } = await admittedPair(room);
    const invitationId = randomUUID();
    const guest = await join(room, 'guest', invitationId);
    const waitingList = next(provider, 'waitingRoom');
    expect(await request(guest, 'join', {})).toEqual({ ok: true, data: { status: 'waiting' } });
    const waiting = (await waitingList).waiting;
    expect(waiting).toMatchObject([{ userId: invitationId, role: 'guest' }]);
    const guestPeerId = waiting[0]?.peerId ?? '';
    // Waiting: no E2EE signal reaches the guest, and it can send none.
    expect(await request(guest, 'e2eeSignal', { to: null, signal: { kind: 'commit' } })).toMatchObject({ ok: false, error: { code: 'not_admitted' } });
    // Neither the patient nor the guest may admit or remove anyone.
    expect(await request(patient, 'admit', { peerId: guestPeerId })).toMatchObject({ ok: false, error: { code: 'not_provider' } });
    expect(await request(patient, 'removeGuest', { peerId: guestPeerId })).toMatchObject({ ok: false, error: { code: 'not_provider' } });

    const admitted = next(guest, 'admitted');
    const joined = next(patient, 'peerJoined');
    expect(await request(provider, 'admit', { peerId: guestPeerId })).toMatchObject({ ok: true });
    expect(sfu.api.admissionRequests.at(-1)).toMatchObject({ appointmentId: room, patientUserId: invitationId, participantRole: 'guest' });
    expect((await admitted).status).toBe('admitted');
    expect(await joined).toMatchObject({ userId: invitationId, role: 'guest' });

    // The provider may remove a guest, never the patient this way.
    const patientPeerId = (await request(provider, 'join', {})) as { ok: true; data: { peers: { peerId: string; role: string }[] } };
    const patientPeer = patientPeerId.data.peers.find((peer) => peer.role === 'patient')?.peerId ?? '';
    expect(await request(provider, 'removeGuest', { peerId: patientPeer })).toMatchObject({ ok: false, error: { code: 'peer_not_found' } });
    const removed = next(guest, 'removed');
    const left = next(patient, 'peerLeft');
    expect(await request(provider, 'removeGuest', { peerId: guestPeerId })).toEqual({ ok: true, data: { peerId: guestPeerId } });
    await removed;
    expect(await left).toEqual({ peerId: guestPeerId });
    // A reconnect with a still-valid token waits again (the admission was forgotten) and is refused by the API.
    sfu.api.decide = () => ({ allowed: false, reason: 'invitation_not_valid' });
    const back = await join(room, 'guest', invitationId);
    expect(await request(back, 'join', {})).toEqual({ ok: true, data: { status: 'waiting' } });
  });

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

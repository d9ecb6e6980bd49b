import { randomUUID } from 'node:crypto';
import { startTestSfu } from './support/testSfu.js';
import type { TestSfu } from './support/testSfu.js';
import { connect, next, request } from './support/signalingClient.js';
import type { ClientSocket } from './support/signalingClient.js';

jest.setTimeout(60_000);

describe('SFU signaling: authentication, waiting room, E2EE declaration', () => {
  let sfu: TestSfu;
  const sockets: ClientSocket[] = [];
  const practice = randomUUID();

  beforeAll(async () => {
    sfu = await startTestSfu();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
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

  async function connectCode(auth: unknown): Promise<string> {
    try {
      const socket = await connect(sfu.server.url, auth);
      socket.close();
      return 'connected';
    } catch (error) {
      return (error as { code: string }).code;
    }
  }

  it('refuses connections without a valid token for the room', async () => {
    const room = randomUUID();
    const valid = await sfu.signRoomToken({ room, sub: randomUUID(), role: 'patient', practice });
    const expired = await sfu.signRoomToken({ room, sub: randomUUID(), role: 'patient', practice, issuedAt: Math.floor(Date.now() / 1000) - 300, ttlSeconds: 60 });
    const [header, payload] = valid.split('.') as [string, string];
    const forgedSignature = Buffer.alloc(64, 7).toString('base64url');

    expect(await connectCode({})).toBe('invalid_handshake');
    expect(await connectCode({ roomId: room, token: expired })).toBe('token_expired');
    expect(await connectCode({ roomId: room, token: `${header}.${payload}.${forgedSignature}` })).toBe('invalid_token');
    expect(await connectCode({ roomId: randomUUID(), token: valid })).toBe('wrong_room');
    expect(await connectCode({ roomId: room, token: valid })).toBe('connected');
    // Refused tokens are never written to the logs.
    expect(sfu.logs.lines.join('')).not.toContain(payload);
  });

  it('keeps the patient waiting until the provider admits, after the API approved', async () => {
    const room = randomUUID();
    const patientId = randomUUID();
    const providerId = randomUUID();
    const patient = await join(room, 'patient', patientId);
    const joined = await request(patient, 'join', {});
    expect(joined).toEqual({ ok: true, data: { status: 'waiting' } });

    // Nothing media-related is possible from the waiting room.
    const early = await request(patient, 'createTransport', { direction: 'send' });
    expect(early).toMatchObject({ ok: false, error: { code: 'not_admitted' } });
    // A patient cannot admit anyone.
    const selfAdmit = await request(patient, 'admit', { peerId: randomUUID() });
    expect(selfAdmit).toMatchObject({ ok: false, error: { code: 'not_provider' } });

    const provider = await join(room, 'provider', providerId);
    const waitingList = next(provider, 'waitingRoom');
    const providerJoin = await request(provider, 'join', {});
    expect(providerJoin).toMatchObject({ ok: true, data: { status: 'admitted', peers: [], producers: [] } });
    const { waiting } = await waitingList;
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ userId: patientId, role: 'patient' });
    const waitingPeerId = waiting[0]?.peerId;

    const admitted = next(patient, 'admitted');
    const peerJoined = next(provider, 'peerJoined');
    expect(await request(provider, 'admit', { peerId: waitingPeerId })).toEqual({ ok: true, data: { peerId: waitingPeerId } });
    expect(sfu.api.admissionRequests).toContainEqual({ practiceId: practice, appointmentId: room, patientUserId: patientId, providerUserId: providerId });
    const view = await admitted;
    expect(view.status).toBe('admitted');
    expect(view.routerRtpCapabilities).toHaveProperty('codecs');
    expect(view.peers).toEqual([{ peerId: expect.any(String) as string, userId: providerId, role: 'provider' }]);
    expect(await peerJoined).toMatchObject({ userId: patientId, role: 'patient' });

    const transport = await request(patient, 'createTransport', { direction: 'send' });
    expect(transport).toMatchObject({ ok: true, data: { id: expect.any(String) as string } });
  });

  it('refuses admission when the API refuses (consent or licensure) and keeps the patient waiting', async () => {
    const room = randomUUID();
    sfu.api.decide = () => ({ allowed: false, reason: 'no_telehealth_consent' });
    try {
      const patient = await join(room, 'patient');
      await request(patient, 'join', {});
      const provider = await join(room, 'provider');
      const waitingList = next(provider, 'waitingRoom');
      await request(provider, 'join', {});
      const peerId = (await waitingList).waiting[0]?.peerId;
      const refused = await request(provider, 'admit', { peerId });
      expect(refused).toMatchObject({ ok: false, error: { code: 'admission_refused' } });
      expect(await request(patient, 'createTransport', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'not_admitted' } });
    } finally {
      sfu.api.decide = () => ({ allowed: true });
    }
  });

  it('refuses producers that do not declare end-to-end encryption', async () => {
    const room = randomUUID();
    const provider = await join(room, 'provider');
    await request(provider, 'join', {});
    const transport = await request(provider, 'createTransport', { direction: 'send' });
    const transportId = transport.ok ? transport.data.id : undefined;
    const plain = await request(provider, 'produce', {
      transportId,
      kind: 'video',
      rtpParameters: { codecs: [], encodings: [] },
      appData: { e2ee: false, source: 'camera' },
    });
    expect(plain).toMatchObject({ ok: false, error: { code: 'e2ee_required' } });
    const undeclared = await request(provider, 'produce', { transportId, kind: 'video', rtpParameters: {}, appData: {} });
    expect(undeclared).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('restarts ICE on a transport with fresh credentials (network change recovery)', async () => {
    const provider = await join(randomUUID(), 'provider');
    await request(provider, 'join', {});
    const created = await request(provider, 'createTransport', { direction: 'recv' });
    if (!created.ok) throw new Error('transport not created');
    const before = created.data.iceParameters as { usernameFragment: string; password: string };
    const restarted = await request(provider, 'restartIce', { transportId: created.data.id });
    if (!restarted.ok) throw new Error('ICE restart refused');
    const after = restarted.data.iceParameters as { usernameFragment: string; password: string };
    // RFC 8445 §9: an ICE restart changes both the username fragment and the password.
    expect(after.usernameFragment).not.toBe(before.usernameFragment);
    expect(after.password).not.toBe(before.password);
  });

  it('validates every payload and answers with a code', async () => {
    const provider = await join(randomUUID(), 'provider');
    await request(provider, 'join', {});
    expect(await request(provider, 'createTransport', { direction: 'sideways' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(provider, 'connectTransport', { transportId: 'not-a-uuid', dtlsParameters: {} })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await request(provider, 'restartIce', { transportId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'transport_not_found' } });
    // A key-frame request names one of the caller's own consumers.
    expect(await request(provider, 'requestKeyFrame', { consumerId: 'nope' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await request(provider, 'requestKeyFrame', { consumerId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'consumer_not_found' } });
  });

  it('reports join and leave of every peer to the API audit trail, and closes empty rooms', async () => {
    const room = randomUUID();
    const userId = randomUUID();
    const provider = await join(room, 'provider', userId);
    await request(provider, 'join', {});
    expect(sfu.server.rooms.get(room)).toBeDefined();
    provider.close();
    await waitFor(() => sfu.api.events.some((event) => event.appointmentId === room && event.type === 'room.leave'));
    const types = sfu.api.events.filter((event) => event.appointmentId === room).map((event) => [event.type, event.userId, event.practiceId]);
    expect(types).toEqual([
      ['room.join', userId, practice],
      ['room.leave', userId, practice],
    ]);
    await waitFor(() => sfu.server.rooms.get(room) === undefined);
  });

  it('relays E2EE key-exchange signals between admitted peers only, stamped with the sender', async () => {
    const room = randomUUID();
    const provider = await join(room, 'provider');
    await request(provider, 'join', {});
    const patient = await join(room, 'patient');
    const waitingList = next(provider, 'waitingRoom');
    await request(patient, 'join', {});
    const waitingPeerId = (await waitingList).waiting[0]?.peerId;
    const hello = { kind: 'hello', from: 'someone', publicKey: 'AAAA' };
    // Waiting peers cannot take part in the key exchange.
    expect(await request(patient, 'e2eeSignal', { to: null, signal: hello })).toMatchObject({ ok: false, error: { code: 'not_admitted' } });
    const admitted = next(patient, 'admitted');
    await request(provider, 'admit', { peerId: waitingPeerId });
    const providerPeerId = (await admitted).peers?.[0]?.peerId;

    const relayed = next(provider, 'e2eeSignal');
    expect(await request(patient, 'e2eeSignal', { to: null, signal: hello })).toEqual({ ok: true, data: {} });
    expect(await relayed).toEqual({ from: waitingPeerId, signal: hello });
    const direct = next(patient, 'e2eeSignal');
    expect(await request(provider, 'e2eeSignal', { to: waitingPeerId, signal: { kind: 'senderKey' } })).toEqual({ ok: true, data: {} });
    expect(await direct).toEqual({ from: providerPeerId, signal: { kind: 'senderKey' } });
    expect(await request(provider, 'e2eeSignal', { to: randomUUID(), signal: hello })).toMatchObject({ ok: false, error: { code: 'peer_not_found' } });
    const oversized = { kind: 'hello', padding: 'x'.repeat(4096) };
    expect(await request(provider, 'e2eeSignal', { to: null, signal: oversized })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('answers rate_limited to a client that floods requests', async () => {
    const provider = await join(randomUUID(), 'provider');
    const results = await Promise.all(Array.from({ length: 150 }, () => request(provider, 'restartIce', { transportId: randomUUID() })));
    const codes = results.map((result) => (result.ok ? 'ok' : result.error.code));
    // The burst (100) is served (here: refused as not admitted, since it never joined)...
    expect(codes.filter((code) => code === 'not_admitted').length).toBeGreaterThanOrEqual(100);
    // ...and the rest is throttled before reaching any handler.
    expect(codes).toContain('rate_limited');
  });

  it('replaces an older connection of the same user', async () => {
    const room = randomUUID();
    const userId = randomUUID();
    const first = await join(room, 'provider', userId);
    await request(first, 'join', {});
    const replaced = next(first, 'replaced');
    const second = await join(room, 'provider', userId);
    await replaced;
    expect(await request(second, 'join', {})).toMatchObject({ ok: true, data: { status: 'admitted' } });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
